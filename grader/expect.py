"""Comparisons for checks: type, then shape, then values, with messages that explain.

Everything here runs in the grading process on data decoded from the worker, so nothing the
learner's code patched (numpy.allclose, __eq__, ...) can influence it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .cases import current_case
from .learner import LearnerError
from .text import CheckFailure, Text
from .worker.protocol import Opaque, RemoteArray, dtype_name

KINDS = {"ndarray": "numpy.ndarray", "tensor": "torch.Tensor"}
# Set while recording a release: every Mistake is evaluated, so that the reference calls it
# makes are recorded too (see replay.py).
EVALUATE_ALL_MISTAKES = False
# (rtol, atol) by the dtype of the inputs
TOLERANCE = {"float64": (1e-6, 1e-8), "float32": (2e-4, 2e-5), "float16": (1e-2, 1e-3)}


@dataclass
class Mistake:
    """A named wrong variant: if the learner's output matches `value`, say so and how to fix it."""

    id: str
    en: str
    ko: str
    value: Any = None  # the wrong variant's output, or a zero-argument callable computing it

    def output(self) -> Any:
        return self.value() if callable(self.value) else self.value



def _named(matches: list[Mistake]) -> Text:
    """'Likely mistake: X', or every candidate when these inputs cannot tell them apart."""
    if not matches:
        return Text("", "")
    if len(matches) == 1:
        return Text(f"\nLikely mistake: {matches[0].en}", f"\n흔한 실수로 보입니다: {matches[0].ko}")
    return Text("\nLikely mistake, one of: " + "; or ".join(m.en for m in matches),
                "\n다음 중 하나의 실수로 보입니다: " + "; 또는 ".join(m.ko for m in matches))


def fail(en: str, ko: str) -> CheckFailure:
    case = current_case.get()
    text = Text(en, ko)
    if case is not None:
        text = Text(f"[{case.label().en}] ", f"[{case.label().ko}] ") + text
    return CheckFailure(text)


@contextmanager
def values_first() -> Iterator[None]:
    """Around the value comparisons a property or error check makes before its own test: a
    wrong value there fails the check (an all-zero output must not earn "no leakage"), and the
    message says so, since the check's title names something else. The learner's own errors
    (a crash, NotImplementedError) pass through unchanged."""
    try:
        yield
    except LearnerError:
        raise
    except CheckFailure as err:
        raise CheckFailure(Text(
            "This check scores only when the values on its inputs are right, and they are not "
            "(the value checks say more): ",
            "이 검사는 같은 입력의 값이 맞을 때만 점수를 줍니다. 값이 틀렸습니다 (값 검사에서 "
            "자세히 설명합니다): ") + err.text) from None


def fail_at(name: str | Text, en: str, ko: str) -> CheckFailure:
    """fail() with the call's name in front; a Text name is given in each language."""
    if isinstance(name, Text):
        return fail(f"{name.en}: {en}", f"{name.ko}: {ko}")
    return fail(f"{name}: {en}", f"{name}: {ko}")


def describe(value: Any) -> str:
    """How a value is named in messages: 'ndarray of shape (2, 3) float32', 'list', ..."""
    if isinstance(value, RemoteArray):
        kind = {"numpy.ndarray": "ndarray", "torch.Tensor": "Tensor"}.get(value.kind, value.kind)
        return f"{kind} of shape {value.shape} ({value.dtype.name})"
    if isinstance(value, Opaque):
        return value.type_name
    if isinstance(value, tuple):
        return f"tuple of length {len(value)}"
    return type(value).__name__


# ------------------------------------------------------------------------- arrays
def expect_array(got: Any, expected: Any, *, name: str | Text, like: Any = None,
                 kind: str = "ndarray", mistakes: Iterable[Mistake] = (),
                 exact_dtype: bool | None = None,
                 tol: tuple[float, float] | None = None) -> np.ndarray:
    """Check type, shape, dtype and values of an array the learner returned.

    `like` is an input array (or dtype) whose dtype sets the tolerance and the allowed output
    dtypes: torch outputs keep it exactly; numpy float32 inputs may give float32 or float64.
    """
    want = KINDS[kind]
    expected = _plain(expected)
    in_dtype = np.dtype(getattr(like, "dtype", like) or expected.dtype)
    shape_text = f"{'Tensor' if kind == 'tensor' else 'ndarray'} of shape {expected.shape}"
    if not isinstance(got, RemoteArray) or got.kind != want:
        raise fail_at(name, f"expected {shape_text}, got {describe(got)}.",
                       f"{shape_text} 이어야 하는데 {describe(got)} 입니다.")
    if got.shape != expected.shape:
        hint = _diagnose(got.data, mistakes)
        raise fail_at(name, f"expected shape {expected.shape}, got {got.shape}.{hint.en}",
                       f"형상이 {expected.shape} 이어야 하는데 {got.shape} 입니다.{hint.ko}")
    _check_dtype(got, in_dtype, kind, name, exact_dtype)
    _check_values(got.data, expected, in_dtype, name, mistakes, tol)
    _evaluate_all(mistakes)
    return got.data


def _evaluate_all(mistakes: Iterable[Mistake]) -> None:
    if EVALUATE_ALL_MISTAKES:
        for mistake in mistakes:
            try:
                mistake.output()
            except Exception:  # noqa: BLE001 - recording only
                pass


def _plain(value: Any) -> np.ndarray:
    if isinstance(value, RemoteArray):
        return value.data
    if hasattr(value, "detach"):  # a torch tensor from the reference or an oracle
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _check_dtype(got: RemoteArray, in_dtype: np.dtype, kind: str, name: str | Text,
                 exact: bool | None) -> None:
    given, returned = dtype_name(in_dtype), dtype_name(got.dtype)
    if in_dtype.kind != "f" or kind == "tensor" or exact:
        allowed = {given}
    else:
        allowed = {"float64"} if given == "float64" else {given, "float64"}
    if returned not in allowed:
        want = " or ".join(sorted(allowed))
        raise fail_at(name, f"expected dtype {want} for {given} inputs, got {returned}.",
                       f"{given} 입력이면 dtype이 {want} 이어야 하는데 {returned} 입니다.")


def _check_values(got: np.ndarray, expected: np.ndarray, in_dtype: np.dtype, name: str | Text,
                  mistakes: Iterable[Mistake], tol: tuple[float, float] | None) -> None:
    if expected.dtype.kind in "biu":
        bad = got != expected
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            hint = _diagnose(got, mistakes)
            raise fail_at(name, f"{int(bad.sum())} of {bad.size} values differ; first at index "
                           f"{idx}: expected {expected[idx]}, got {got[idx]}.{hint.en}",
                           f"{bad.size}개 중 {int(bad.sum())}개 값이 다릅니다; 처음은 인덱스 "
                           f"{idx}: 기대값 {expected[idx]}, 실제값 {got[idx]}.{hint.ko}")
        return
    rtol, atol = tol or TOLERANCE.get(dtype_name(in_dtype), TOLERANCE["float64"])
    report = compare(got, expected, rtol, atol)
    if report is None:
        return
    idx, exp_v, got_v, max_abs, max_rel, n_bad = report
    max_rel = "n/a" if max_rel != max_rel else f"{max_rel:.3g}"  # NaN: nothing nonzero expected
    hint = _diagnose(got, mistakes, rtol, atol)
    where = Text(f"index {idx}", f"인덱스 {idx}") if idx else Text("the value", "그 값")
    exp_v, got_v = _distinct(exp_v, got_v)
    raise fail_at(
        name, f"{n_bad} of {expected.size} values are wrong. Worst at {where.en}: expected "
        f"{exp_v}, got {got_v} (max abs error {max_abs:.3g}, max rel error "
        f"{max_rel}; tolerance rtol={rtol:g}, atol={atol:g}).{hint.en}",
        f"{expected.size}개 중 {n_bad}개 값이 틀립니다. 가장 큰 차이는 {where.ko}: 기대값 "
        f"{exp_v}, 실제값 {got_v} (최대 절대 오차 {max_abs:.3g}, 최대 상대 오차 "
        f"{max_rel}; 허용 오차 rtol={rtol:g}, atol={atol:g}).{hint.ko}")


def _distinct(a: float, b: float) -> tuple[str, str]:
    """Two different numbers printed with as many digits as it takes to tell them apart."""
    for digits in (6, 9, 12, 17):
        x, y = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if x != y:
            break
    return x, y


def compare(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float
            ) -> tuple[tuple, float, float, float, float, int] | None:
    """None when close; else (worst index, expected, got, max abs, max rel, number wrong)."""
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        if np.isfinite(e).all() and (np.abs(g - e) <= atol + rtol * np.abs(e)).all():
            return None  # the usual case in a few operations; NaN and inf are handled below
        same = (g == e) | (np.isnan(g) & np.isnan(e))
        err = np.where(same, 0.0, np.abs(g - e))
        err = np.where(np.isnan(err), np.inf, err)
        excess = err - (atol + rtol * np.abs(np.where(np.isfinite(e), e, 0.0)))
    bad = excess > 0
    if not bad.any():
        return None
    flat = int(np.argmax(np.where(bad, excess, -np.inf)))
    idx = tuple(int(i) for i in np.unravel_index(flat, e.shape)) if e.shape else ()
    nonzero = bad & (np.abs(e) > 0)  # relative error means nothing where 0 was expected
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(nonzero, err / np.where(nonzero, np.abs(e), 1.0), 0.0)
    max_rel = float(np.nanmax(rel)) if nonzero.any() else float("nan")
    return idx, float(e[idx]), float(g[idx]), float(err.max()), max_rel, int(bad.sum())


def _diagnose(got: np.ndarray, mistakes: Iterable[Mistake], rtol: float = 1e-4,
              atol: float = 1e-5) -> Text:
    matches = []
    for mistake in mistakes:
        try:
            with np.errstate(all="ignore"):
                wrong = np.asarray(_plain(mistake.output()), dtype=np.float64)
        except (ArithmeticError, ValueError, TypeError, FloatingPointError):
            continue
        if wrong.shape == got.shape and compare(got, wrong, rtol, atol) is None:
            matches.append(mistake)
    return _named(matches)


# ------------------------------------------------------------------------- plain values
def expect_value(got: Any, expected: Any, *, name: str | Text,
                 mistakes: Iterable[Mistake] = ()) -> Any:
    """Exact comparison of plain Python results (ints, tuples of ints), type included."""
    if not _same_plain(got, expected):
        hint = _named([m for m in mistakes if _same_plain(got, m.output())])
        if not hint.en:
            hint = _type_hint(got, expected)
        raise fail_at(name, f"expected {expected!r}, got {_show(got)}.{hint.en}",
                       f"{expected!r} 이어야 하는데 {_show(got)} 입니다.{hint.ko}")
    _evaluate_all(mistakes)
    return got


def _same_plain(got: Any, expected: Any) -> bool:
    if isinstance(expected, tuple):
        return (type(got) is tuple and len(got) == len(expected)
                and all(_same_plain(g, e) for g, e in zip(got, expected)))
    if type(expected) is int:  # a Python or numpy integer, but not a bool or a float
        return (isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_))
                and int(got) == expected)
    if type(expected) is float:
        return type(got) is float and got == expected
    return type(got) is type(expected) and got == expected


def _type_hint(got: Any, expected: Any) -> Text:
    """When only the types are wrong (a list for a tuple, 8.0 for 8), say so."""
    if not isinstance(got, (list, tuple, float)) or _loose(got) != _loose(expected):
        return Text("", "")
    return Text(f"\nThe numbers are right but the type is not: expected {_type_of(expected)}, "
                f"got {_type_of(got)}.",
                f"\n숫자는 맞지만 타입이 다릅니다: {_type_of(expected)} 이어야 하는데 "
                f"{_type_of(got)} 입니다.")


def _loose(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_loose(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _type_of(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        inner = ", ".join(dict.fromkeys(_type_of(v) for v in value))
        return f"{type(value).__name__}[{inner}]" if inner else type(value).__name__
    return type(value).__name__


def _show(value: Any) -> str:
    if isinstance(value, (RemoteArray, Opaque)):
        return describe(value)
    text = repr(value)
    if len(text) > 300:  # a learner's value can be huge: the message shows its start
        text = text[:300] + f"... ({len(text)} characters)"
    return text if type(value) in (int, float, str, tuple, list, bool, type(None)) \
        else f"{text} ({type(value).__name__})"


# ------------------------------------------------------------------------- errors, properties
def expect_raises(errors: str | tuple[str, ...], call: Callable[[], Any], *,
                  name: str | Text) -> str:
    """The learner's call must raise one of the named builtin exceptions (subclasses count);
    returns the exception's message."""
    names = (errors,) if isinstance(errors, str) else tuple(errors)
    want = " or ".join(names)
    try:
        result = call()
    except LearnerError as err:
        if err.kind == "exception" and set(names) & set(err.mro):
            return err.message
        if err.kind in ("exception", "exit"):
            raise fail_at(name, f"expected {want}, but it raised {err.type_name}.",
                           f"{want} 가 발생해야 하는데 {err.type_name} 가 발생했습니다.") from None
        raise
    raise fail_at(name, f"expected {want}, but it returned {_show(result)}.",
                   f"{want} 가 발생해야 하는데 {_show(result)} 를 반환했습니다.")


def same_array(got: Any, expected: Any) -> bool:
    """The learner's array is exactly `expected` (ndarray or tensor): shape and every value,
    NaN matching NaN. For arguments that must come back unchanged."""
    want = _plain(expected)
    return isinstance(got, RemoteArray) and got.shape == want.shape and \
        bool(np.array_equal(got.data, want, equal_nan=True))


def runtime_warnings(call: Any, *about: str) -> list[str]:
    """The RuntimeWarnings (numpy's overflow, invalid value...) a learner.call(...) raised, as
    "RuntimeWarning: message" lines; only those whose message mentions one of `about`, if given."""
    return [f"{w['category']}: {w['message']}" for w in call.warnings
            if w["category"] == "RuntimeWarning"
            and (not about or any(a in str(w["message"]) for a in about))]


def expect_true(condition: bool, en: str, ko: str) -> None:
    """A property that must hold; the message says what was violated."""
    if not condition:
        raise fail(en, ko)
