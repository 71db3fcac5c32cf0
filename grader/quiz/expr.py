"""A tiny arithmetic language for `answer_expr`, evaluated by walking a whitelisted AST.

Allowed: int/float literals, parameter names, + - * / // % **, unary + -, parentheses, and calls to
floor ceil sqrt exp log min max abs round. Nothing else parses (no attributes, subscripts,
comparisons, keywords, strings), and nothing is ever passed to eval/exec.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping

MAX_LENGTH = 500
MAX_NODES = 200
MAX_EXPONENT = 64  # 10 ** 10 ** 10 would hang the checker; no textbook answer needs more
MAX_RESULT_BITS = 4096

Number = int | float


class ExprError(ValueError):
    """The expression is not allowed, or cannot be evaluated for these values."""


def _round(x: Number, ndigits: Number | None = None) -> Number:
    return round(x) if ndigits is None else round(x, int(ndigits))


def _log(x: Number, base: Number | None = None) -> float:
    return math.log(x) if base is None else math.log(x, base)


# name -> (function, min args, max args)
FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int]] = {
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
    "sqrt": (math.sqrt, 1, 1),
    "exp": (math.exp, 1, 1),
    "log": (_log, 1, 2),
    "min": (min, 2, 16),
    "max": (max, 2, 16),
    "abs": (abs, 1, 1),
    "round": (_round, 1, 2),
}

_BINOPS: dict[type, Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Number], Number]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class Expr:
    """A parsed, checked expression; `evaluate(values)` any number of times."""

    def __init__(self, source: str) -> None:
        if not isinstance(source, str) or not source.strip():
            raise ExprError("the expression is empty")
        if len(source) > MAX_LENGTH:
            raise ExprError(f"the expression is longer than {MAX_LENGTH} characters")
        try:
            tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExprError(f"not an arithmetic expression: {exc.msg}") from None
        self.source = source.strip()
        self.tree = tree.body
        self.names: set[str] = set()
        count = sum(1 for _ in ast.walk(tree))
        if count > MAX_NODES:
            raise ExprError(f"the expression is too long ({count} parts, at most {MAX_NODES})")
        self._check(self.tree)

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExprError(f"only numbers are allowed, not {node.value!r}")
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ExprError(f"{node.id} is a function: call it as {node.id}(...)")
            self.names.add(node.id)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise ExprError(f"operator {type(node.op).__name__} is not allowed")
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                raise ExprError(f"operator {type(node.op).__name__} is not allowed")
            self._check(node.operand)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                allowed = ", ".join(FUNCTIONS)
                raise ExprError(f"only these functions may be called: {allowed}")
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise ExprError(f"{node.func.id}() takes plain positional arguments only")
            _, lo, hi = FUNCTIONS[node.func.id]
            if not lo <= len(node.args) <= hi:
                raise ExprError(f"{node.func.id}() takes {lo}" + (f" to {hi}" if hi > lo else "")
                                + f" argument(s), got {len(node.args)}")
            for arg in node.args:
                self._check(arg)
        else:
            raise ExprError(f"{type(node).__name__} is not allowed in an answer expression")

    def evaluate(self, values: Mapping[str, Number]) -> Number:
        missing = self.names - set(values)
        if missing:
            raise ExprError(f"unknown name(s): {', '.join(sorted(missing))}")
        try:
            return self._eval(self.tree, values)
        except ExprError:
            raise
        except ZeroDivisionError:
            raise ExprError("division by zero") from None
        except (ValueError, OverflowError, TypeError) as exc:
            raise ExprError(f"cannot evaluate: {exc}") from None

    def _eval(self, node: ast.AST, values: Mapping[str, Number]) -> Number:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.BinOp):
            left = self._eval(node.left, values)
            right = self._eval(node.right, values)
            if isinstance(node.op, ast.Pow):
                if abs(right) > MAX_EXPONENT:
                    raise ExprError(f"exponent {right} is too large (at most {MAX_EXPONENT})")
                if left and abs(right) * math.log2(abs(left) + 1) > MAX_RESULT_BITS:
                    raise ExprError("the power is too large")
            result = _BINOPS[type(node.op)](left, right)
            if isinstance(result, complex):
                raise ExprError("the result is not a real number")
            return result
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, values))
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        fn = FUNCTIONS[node.func.id][0]
        return fn(*(self._eval(a, values) for a in node.args))

    def to_moodle(self) -> str:
        """The same formula in Moodle "calculated" syntax: {name} variables, pow(), fmod()."""
        return _moodle(self.tree)


_MOODLE_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _moodle(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.Name):
        return "{" + node.id + "}"
    if isinstance(node, ast.UnaryOp):
        return ("-" if isinstance(node.op, ast.USub) else "") + f"({_moodle(node.operand)})"
    if isinstance(node, ast.BinOp):
        left, right = _moodle(node.left), _moodle(node.right)
        if isinstance(node.op, ast.Pow):
            return f"pow({left}, {right})"
        if isinstance(node.op, ast.FloorDiv):
            return f"floor(({left}) / ({right}))"
        if isinstance(node.op, ast.Mod):
            return f"fmod({left}, {right})"  # same as % for the non-negative values quizzes use
        return f"({left} {_MOODLE_OPS[type(node.op)]} {right})"
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_moodle(a) for a in node.args]
    if node.func.id == "round" and len(args) == 1:
        args.append("0")
    return f"{node.func.id}({', '.join(args)})"


def evaluate(source: str, values: Mapping[str, Number]) -> Number:
    """Parse and evaluate in one go (for one-off use; keep an `Expr` to evaluate many times)."""
    return Expr(source).evaluate(values)
