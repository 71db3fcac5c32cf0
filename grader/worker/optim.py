"""Trusted optimizers handed to learners' train_step, without torch.optim.

The first torch.optim optimizer built in a process imports torch._dynamo (about a second):
most of a seq2seq grade. These follow torch.optim.SGD and torch.optim.Adam's update rules
(defaults: no momentum or weight decay; betas (0.9, 0.999), eps 1e-8) and offer what a
train_step uses: zero_grad(set_to_none=True), step(), param_groups.
"""

from __future__ import annotations

import math
from typing import Any, Iterable


class _Optimizer:
    def __init__(self, params: Iterable[Any], lr: float) -> None:
        self.param_groups = [{"params": [p for p in params if p.requires_grad], "lr": lr}]
        self.state: dict[Any, dict] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.param_groups[0]["params"]:
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.detach_()
                p.grad.zero_()

    def step(self, closure: Any = None) -> Any:
        import torch

        loss = closure() if closure is not None else None
        with torch.no_grad():
            for p in self.param_groups[0]["params"]:
                if p.grad is not None:
                    self._update(p, p.grad, self.param_groups[0]["lr"])
        return loss


class SGD(_Optimizer):
    def _update(self, p: Any, grad: Any, lr: float) -> None:
        p.add_(grad, alpha=-lr)  # p <- p - lr * g


class Adam(_Optimizer):
    betas = (0.9, 0.999)
    eps = 1e-8

    def _update(self, p: Any, grad: Any, lr: float) -> None:
        import torch

        b1, b2 = self.betas
        state = self.state.setdefault(p, {"step": 0, "m": torch.zeros_like(p),
                                          "v": torch.zeros_like(p)})
        state["step"] += 1
        t = state["step"]
        state["m"].mul_(b1).add_(grad, alpha=1 - b1)             # m <- b1 m + (1 - b1) g
        state["v"].mul_(b2).addcmul_(grad, grad, value=1 - b2)   # v <- b2 v + (1 - b2) g^2
        # p <- p - lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections of step t
        denom = (state["v"].sqrt() / math.sqrt(1 - b2 ** t)).add_(self.eps)
        p.addcdiv_(state["m"], denom, value=-lr / (1 - b1 ** t))
