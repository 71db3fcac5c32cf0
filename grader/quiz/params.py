"""Parametrized questions: drawing values per attempt, rendering prompts, computing answers."""

from __future__ import annotations

import inspect
import itertools
import math
import random
import re
from collections.abc import Iterator, Mapping

from .expr import Expr, ExprError
from .functions import Registry
from .model import ParamSpec, Question

Params = dict[str, float]

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
EXHAUSTIVE_LIMIT = 20_000  # combinations checked one by one; beyond that, corners + a sample


def rng_for(seed: int | str, qid: str, purpose: str = "params") -> random.Random:
    """Each question's draws depend only on (seed, question id), not on which others were asked."""
    return random.Random(f"{seed}:{qid}:{purpose}")


def draw(question: Question, seed: int | str) -> Params:
    rng = rng_for(seed, question.id)
    return {name: rng.choice(spec.values) for name, spec in sorted(question.params.items())}


def in_range(spec: ParamSpec, value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return any(math.isclose(value, v, rel_tol=1e-12, abs_tol=1e-12) for v in spec.values)


def combinations(question: Question) -> Iterator[Params]:
    """Every combination of parameter values, or, when there are too many, the corners and a sample."""
    names = sorted(question.params)
    pools = [question.params[n].values for n in names]
    total = math.prod(len(p) for p in pools)
    if total <= EXHAUSTIVE_LIMIT:
        for combo in itertools.product(*pools):
            yield dict(zip(names, combo))
        return
    for combo in itertools.product(*[(p[0], p[-1]) for p in pools]):
        yield dict(zip(names, combo))
    rng = random.Random(f"check:{question.id}")
    for _ in range(EXHAUSTIVE_LIMIT // 4):
        yield {n: rng.choice(p) for n, p in zip(names, pools)}


def render(text: str, params: Mapping[str, float]) -> str:
    """Replace {name} for known parameters only, so other braces in the text survive."""
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        return format_number(params[name]) if name in params else match.group(0)

    return PLACEHOLDER.sub(sub, text)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def format_number(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.6e}"
    return str(value)


def compute_answer(question: Question, params: Mapping[str, float], functions: Registry) -> float:
    """The correct answer for these parameter values; ExprError when it cannot be computed."""
    if question.answer_expr is not None:
        value = Expr(question.answer_expr).evaluate(params)
    else:
        fn = functions.get(question.answer_fn or "")
        if fn is None:
            raise ExprError(f"no answer function named {question.answer_fn!r}")
        if question.fn_args:
            kwargs = {k: Expr(v).evaluate(params) for k, v in question.fn_args.items()}
        else:
            kwargs = dict(params)
        try:
            inspect.signature(fn).bind(**kwargs)
        except TypeError as exc:
            raise ExprError(
                f"{functions.signature(question.answer_fn or '')} cannot take "
                f"{', '.join(sorted(kwargs))}: {exc}"
            ) from None
        try:
            value = fn(**kwargs)
        except Exception as exc:  # an instructor's function: report, never crash the checker
            raise ExprError(f"{question.answer_fn}({kwargs}) raised {type(exc).__name__}: {exc}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"the answer is not a number: {value!r}")
    if not math.isfinite(value):
        raise ExprError(f"the answer is not finite: {value}")
    return value
