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

    def step(self, closure: Any = None) -> Any:
        """All parameters at once with torch's _foreach kernels (as torch.optim.Adam's foreach
        mode): a handful of operations per step instead of six per parameter."""
        import torch

        loss = closure() if closure is not None else None
        params = [p for p in self.param_groups[0]["params"] if p.grad is not None]
        if not params:
            return loss
        lr, (b1, b2) = self.param_groups[0]["lr"], self.betas
        states = [self.state.setdefault(p, {"step": 0, "m": torch.zeros_like(p),
                                            "v": torch.zeros_like(p)}) for p in params]
        with torch.no_grad():
            grads = [p.grad for p in params]
            m, v = [s["m"] for s in states], [s["v"] for s in states]
            torch._foreach_lerp_(m, grads, 1 - b1)                 # m <- b1 m + (1 - b1) g
            torch._foreach_mul_(v, b2)
            torch._foreach_addcmul_(v, grads, grads, value=1 - b2)  # v <- b2 v + (1 - b2) g^2
            by_step: dict[int, list[int]] = {}  # one group unless a parameter missed a step
            for i, state in enumerate(states):
                state["step"] += 1
                by_step.setdefault(state["step"], []).append(i)
            for t, group in by_step.items():
                # p <- p - lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections of step t
                denom = torch._foreach_sqrt([v[i] for i in group])
                torch._foreach_div_(denom, math.sqrt(1 - b2 ** t))
                torch._foreach_add_(denom, self.eps)
                torch._foreach_addcdiv_([params[i] for i in group], [m[i] for i in group], denom,
                                        value=-lr / (1 - b1 ** t))
        return loss
