"""Public checks for lstm: sigmoid, the four gates, one cell step and a whole sequence.

Every value is compared with the reference on seeded inputs (float64 and float32). When a value
is wrong, the named wrong variants below are computed on the same inputs to say what went wrong.
numpy only: grading this exercise never imports torch.
"""

from __future__ import annotations

import numpy as np

from grader.api import (Mistake, check, describe, expect_array, expect_true, fail,
                        runtime_warnings)

GATES = ("f", "g", "i", "o")


# ---- wrong variants, computed in float64 on the learner's inputs --------------------------------
def _sig(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # exact and overflow-free


def _identity(a: np.ndarray) -> np.ndarray:
    return a


def _naive_sig(a: np.ndarray) -> np.ndarray:
    return np.exp(a) / (1 + np.exp(a))  # inf / inf = NaN for large a (callers ignore warnings)


ACTIVATIONS = {  # the activation each gate block gets
    "right": {"f": _sig, "g": np.tanh, "i": _sig, "o": _sig},
    "g-sigmoid": {"f": _sig, "g": _sig, "i": _sig, "o": _sig},
    "swapped": {"f": np.tanh, "g": _sig, "i": np.tanh, "o": np.tanh},
    "none": {k: _identity for k in GATES},
    "naive": {"f": _naive_sig, "g": np.tanh, "i": _naive_sig, "o": _naive_sig},
}


def gates_variant(x, h, Wx, Wh, b, *, order: str = "fgio", acts: str = "right",
                  bias: bool = True, swap: bool = False) -> dict[str, np.ndarray]:
    """The gates as computed with one deliberate deviation (the defaults are the right ones)."""
    dtype = np.asarray(x).dtype
    x, h, Wx, Wh, b = (np.asarray(a, dtype=np.float64) for a in (x, h, Wx, Wh, b))
    A = x @ Wh + h @ Wx if swap else x @ Wx + h @ Wh  # swap raises ValueError unless D == H
    if bias:
        A = A + b
    if acts == "naive":  # exp overflows at the input dtype's limit (~89 in float32)
        A = A.astype(dtype)
    blocks = dict(zip(order, np.split(A, 4, axis=1)))
    return {k: ACTIVATIONS[acts][k](blocks[k]).astype(np.float64) for k in GATES}


def cell_variant(x, h, c, Wx, Wh, b, *, c_rule: str = "right", h_rule: str = "right",
                 **gate_kw) -> tuple[np.ndarray, np.ndarray]:
    g = gates_variant(x, h, Wx, Wh, b, **gate_kw)
    c = np.asarray(c, dtype=np.float64)
    c_next = {"right": g["f"] * c + g["i"] * g["g"],
              "no-i": g["f"] * c + g["g"],
              "no-f": c + g["i"] * g["g"],
              "no-memory": g["i"] * g["g"]}[c_rule]
    h_next = {"right": g["o"] * np.tanh(c_next),
              "no-tanh": g["o"] * c_next,
              "c-prev": g["o"] * np.tanh(c)}[h_rule]
    return h_next, c_next


def forward_variant(xs, Wx, Wh, b, h0, c0, *, carry: str = "both", ignore_init: bool = False,
                    **cell_kw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """hs, h_last, c_last; h0/c0 may be None (zeros)."""
    N, T, _ = xs.shape
    H = Wh.shape[0]
    zeros = np.zeros((N, H))
    h_init = zeros if h0 is None or ignore_init else np.asarray(h0, dtype=np.float64)
    c_init = zeros if c0 is None or ignore_init else np.asarray(c0, dtype=np.float64)
    h, c, hs = h_init, c_init, []
    for t in range(T):
        h_in = h if carry in ("both", "h-only") else h_init
        c_in = c if carry in ("both", "c-only") else c_init  # "h-only", "none": c0 every step
        h, c = cell_variant(xs[:, t], h_in, c_in, Wx, Wh, b, **cell_kw)
        hs.append(h)
    return np.stack(hs, axis=1), h, c


# ---- the named mistakes ------------------------------------------------------------------------
GATE_MISTAKES = [  # (id, keyword arguments of the variant, en, ko)
    ("pytorch-order", {"order": "ifgo"},
     "the blocks of A were read in PyTorch's order (i, f, g, o). This exercise follows DLFS2: "
     "A[:, :H] is f, A[:, H:2H] is g, A[:, 2H:3H] is i, A[:, 3H:] is o",
     "A 의 덩어리를 PyTorch 순서 (i, f, g, o) 로 읽었습니다. 이 문제는 밑바닥부터 시작하는 "
     "딥러닝 2 의 순서를 따릅니다: A[:, :H] 는 f, A[:, H:2H] 는 g, A[:, 2H:3H] 는 i, A[:, 3H:] 는 o"),
    ("g-sigmoid", {"acts": "g-sigmoid"},
     "g (the candidate memory) went through sigmoid; g uses tanh, only f, i and o use sigmoid",
     "g (새 기억 후보) 에 sigmoid 를 썼습니다; g 는 tanh, f, i, o 만 sigmoid 입니다"),
    ("activations-swapped", {"acts": "swapped"},
     "tanh and sigmoid are swapped: f, i, o use sigmoid and g uses tanh",
     "tanh 와 sigmoid 가 뒤바뀌었습니다: f, i, o 는 sigmoid, g 는 tanh 입니다"),
    ("not-activated", {"acts": "none"},
     "the gates were returned before their activation; apply sigmoid (f, i, o) and tanh (g)",
     "활성화 함수를 적용하기 전 값을 반환했습니다; f, i, o 에 sigmoid, g 에 tanh 를 적용하세요"),
    ("sigmoid-nan", {"acts": "naive"},
     "the gates hold NaN where the pre-activation is large: the sigmoid computed "
     "exp(x) / (1 + exp(x)), which is inf / inf once exp overflows; make sigmoid stable "
     "(exponentiate only numbers <= 0) and use it for f, i and o",
     "활성화 전 값이 큰 곳에서 게이트가 NaN 입니다: sigmoid 를 exp(x) / (1 + exp(x)) 로 계산해 "
     "exp 가 넘치면 inf / inf 가 됩니다; sigmoid 를 안정적으로 만들고 (exp 에는 0 이하의 수만) "
     "f, i, o 에 그것을 쓰세요"),
    ("bias-omitted", {"bias": False},
     "the bias b is missing: A = x @ Wx + h_prev @ Wh + b",
     "편향 b 가 빠졌습니다: A = x @ Wx + h_prev @ Wh + b"),
    ("wx-wh-swapped", {"swap": True},
     "Wx and Wh are swapped: x goes with Wx (D, 4H) and h_prev with Wh (H, 4H)",
     "Wx 와 Wh 가 뒤바뀌었습니다: x 에는 Wx (D, 4H), h_prev 에는 Wh (H, 4H) 를 곱합니다"),
]

CELL_MISTAKES = [
    ("c-without-i", {"c_rule": "no-i"},
     "c_next added g without the input gate: c_next = f * c_prev + i * g",
     "c_next 에 입력 게이트 없이 g 를 더했습니다: c_next = f * c_prev + i * g"),
    ("c-without-f", {"c_rule": "no-f"},
     "the forget gate was not applied to c_prev: c_next = f * c_prev + i * g",
     "c_prev 에 망각 게이트 f 를 곱하지 않았습니다: c_next = f * c_prev + i * g"),
    ("c-without-memory", {"c_rule": "no-memory"},
     "the old memory f * c_prev is missing: c_next = f * c_prev + i * g",
     "이전 기억 f * c_prev 가 빠졌습니다: c_next = f * c_prev + i * g"),
    ("h-without-tanh", {"h_rule": "no-tanh"},
     "h_next = o * c_next is missing the tanh: h_next = o * tanh(c_next)",
     "h_next = o * c_next 에 tanh 가 빠졌습니다: h_next = o * tanh(c_next)"),
    ("h-from-c-prev", {"h_rule": "c-prev"},
     "h_next used the old cell state: h_next = o * tanh(c_next), with the new c_next",
     "h_next 에 이전 셀 상태를 썼습니다: 새로 계산한 c_next 로 h_next = o * tanh(c_next)"),
]

FORWARD_MISTAKES = [
    ("h-not-carried", {"carry": "c-only"},
     "h was not carried from one step to the next (every step started from h0); pass the new h "
     "to the next step",
     "h 를 다음 시각으로 넘기지 않았습니다 (매 시각 h0 에서 시작); 새 h 를 다음 시각에 넘기세요"),
    ("c-not-carried", {"carry": "h-only"},
     "c was not carried from one step to the next (every step started from c0); pass the new c "
     "to the next step along with h",
     "c 를 다음 시각으로 넘기지 않았습니다 (매 시각 c0 에서 시작); 새 c 도 h 와 함께 다음 시각에 "
     "넘기세요"),
    ("state-not-carried", {"carry": "none"},
     "the states were reset at every step; carry both h and c from step t to step t + 1",
     "매 시각 상태를 초기화했습니다; h 와 c 를 시각 t 에서 t + 1 로 넘기세요"),
    ("initial-state-ignored", {"ignore_init": True},
     "the given h0 / c0 were ignored (zeros were used); use zeros only when they are None",
     "주어진 h0 / c0 를 무시하고 0 을 썼습니다; None 일 때만 0 을 쓰세요"),
]


def _mistakes(table, compute, pick) -> list[Mistake]:
    """Mistake objects whose value is pick(compute(**kwargs)), computed only when needed."""
    def value(kw):
        def run():
            with np.errstate(all="ignore"):
                return pick(compute(**kw))
        return run
    return [Mistake(mid, en, ko, value(kw)) for mid, kw, en, ko in table]


def gate_mistakes(key: str, args: tuple) -> list[Mistake]:
    return _mistakes(GATE_MISTAKES, lambda **kw: gates_variant(*args, **kw), lambda g: g[key])


def cell_mistakes(index: int, args: tuple) -> list[Mistake]:
    """Mistakes for output `index` (0: h_next, 1: c_next) of lstm_cell(*args)."""
    found = _mistakes(CELL_MISTAKES + GATE_MISTAKES,
                      lambda **kw: cell_variant(*args, **kw), lambda out: out[index])
    other = 1 - index
    return found + [Mistake(
        "cell-returns-c-h", "the outputs are in the wrong order: return (h_next, c_next)",
        "반환 순서가 틀렸습니다: (h_next, c_next) 순서로 반환하세요",
        lambda: cell_variant(*args)[other])]


def forward_mistakes(index: int, xs, Wx, Wh, b, h0, c0) -> list[Mistake]:
    """Mistakes for output `index` (0: hs, 1: h_last, 2: c_last) of lstm_forward."""
    def run(**kw):
        return forward_variant(xs, Wx, Wh, b, h0, c0, **kw)

    found = _mistakes(FORWARD_MISTAKES + CELL_MISTAKES + GATE_MISTAKES, run, lambda o: o[index])
    if index == 0:
        found.append(Mistake(
            "time-major", "hs is time-major (T, N, H); this exercise is batch-first: (N, T, H)",
            "hs 가 시간 우선 (T, N, H) 입니다; 이 문제는 배치 우선 (N, T, H) 입니다",
            lambda: run()[0].transpose(1, 0, 2)))
    if index == 2:
        found.append(Mistake(
            "c-last-initial", "c_last is the initial c0: return the c of the last step",
            "c_last 가 처음의 c0 입니다: 마지막 시각의 c 를 반환하세요",
            lambda: np.zeros_like(run()[2]) if c0 is None else np.asarray(c0)))
    if index > 0:
        found.append(Mistake(
            "last-states-swapped", "h_last and c_last are swapped: return (hs, h_last, c_last)",
            "h_last 와 c_last 가 뒤바뀌었습니다: (hs, h_last, c_last) 순서로 반환하세요",
            lambda: run()[3 - index]))
    return found


# ---- inputs --------------------------------------------------------------------------------------
def lstm_params(case, D: int, H: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wx (D, 4H), Wh (H, 4H), b (4H,), scaled so that the gates are neither flat nor saturated."""
    return (case.randn(D, 4 * H, scale=0.8), case.randn(H, 4 * H, scale=0.6),
            case.randn(4 * H, scale=0.5))


def cell_inputs(case, N: int, D: int, H: int) -> tuple:
    """x, h_prev, c_prev, Wx, Wh, b."""
    return (case.randn(N, D), case.randn(N, H, scale=0.5), case.randn(N, H, scale=1.5),
            *lstm_params(case, D, H))


def unpack(got, n: int, name: str) -> tuple:
    """The learner's tuple of n arrays (a list is accepted too)."""
    if not isinstance(got, (tuple, list)) or len(got) != n:
        raise fail(f"{name}: expected a tuple of {n} arrays, got {describe(got)}.",
                   f"{name}: 배열 {n}개의 튜플이어야 하는데 {describe(got)} 입니다.")
    return tuple(got)


def shapes_text(**arrays) -> str:
    return ", ".join(f"{k} {tuple(v.shape)}" for k, v in arrays.items())


def check_gates(learner, ref, x, h, Wx, Wh, b) -> None:
    name = f"lstm_gates({shapes_text(x=x, h_prev=h, Wx=Wx, Wh=Wh, b=b)})"
    got = learner.lstm_gates(x, h, Wx, Wh, b)
    if not isinstance(got, dict):
        raise fail(f"{name}: expected a dict with keys 'f', 'g', 'i', 'o', got {describe(got)}.",
                   f"{name}: 키 'f', 'g', 'i', 'o' 를 가진 dict 여야 하는데 {describe(got)} 입니다.")
    keys = sorted(map(str, got))
    expect_true(keys == sorted(GATES),
                f"{name}: the dict must have exactly the keys ['f', 'g', 'i', 'o'], got {keys}.",
                f"{name}: dict 의 키는 정확히 ['f', 'g', 'i', 'o'] 여야 하는데 {keys} 입니다.")
    expected = ref.lstm_gates(x, h, Wx, Wh, b)
    for k in GATES:
        expect_array(got[k], expected[k], name=f'{name}["{k}"]', like=x,
                     mistakes=gate_mistakes(k, (x, h, Wx, Wh, b)))


def check_cell(learner, ref, x, h, c, Wx, Wh, b) -> None:
    name = f"lstm_cell({shapes_text(x=x, h_prev=h, c_prev=c, Wx=Wx, Wh=Wh, b=b)})"
    got = unpack(learner.lstm_cell(x, h, c, Wx, Wh, b), 2, name)
    for index, (out, exp) in enumerate(zip(got, ref.lstm_cell(x, h, c, Wx, Wh, b))):
        expect_array(out, exp, name=f"{name}: {('h_next', 'c_next')[index]}", like=x,
                     mistakes=cell_mistakes(index, (x, h, c, Wx, Wh, b)))


def check_forward(learner, ref, xs, Wx, Wh, b, h0=None, c0=None, *, style: str = "positional"
                  ) -> tuple[np.ndarray, ...]:
    """Compare lstm_forward with the reference; style says how h0/c0 are passed."""
    args = (xs, Wx, Wh, b)
    given = {"h0": h0, "c0": c0}
    if style == "positional":
        got = learner.lstm_forward(*args, h0, c0)
    elif style == "keywords":
        got = learner.lstm_forward(*args, **{k: v for k, v in given.items() if v is not None})
    else:  # "omitted": both states left out
        got = learner.lstm_forward(*args)
    shown = {k: ("None" if v is None else str(tuple(v.shape))) for k, v in given.items()}
    name = (f"lstm_forward({shapes_text(xs=xs, Wx=Wx, Wh=Wh, b=b)}, "
            + (f"h0={shown['h0']}, c0={shown['c0']})" if style != "omitted" else "no h0/c0)"))
    got = unpack(got, 3, name)
    out = []
    for index, (value, exp) in enumerate(zip(got, ref.lstm_forward(*args, h0, c0))):
        out.append(expect_array(value, exp, name=f"{name}: {('hs', 'h_last', 'c_last')[index]}",
                                like=xs, mistakes=forward_mistakes(index, *args, h0, c0)))
    return tuple(out)


def forward_inputs(case, N: int, T: int, D: int, H: int) -> tuple:
    """xs, Wx, Wh, b, h0, c0."""
    return (case.randn(N, T, D), *lstm_params(case, D, H), case.randn(N, H, scale=0.5),
            case.randn(N, H, scale=1.5))


# ---- sigmoid ----------------------------------------------------------------------------------
def sigmoid_mistakes(x: np.ndarray) -> list[Mistake]:
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        return [
            Mistake("sigmoid-sign", "the sign of x is flipped: sigmoid(x) = 1 / (1 + exp(-x))",
                    "x 의 부호가 뒤집혔습니다: sigmoid(x) = 1 / (1 + exp(-x))",
                    lambda: _sig(-x)),
            Mistake("sigmoid-is-tanh", "this is tanh, not the sigmoid 1 / (1 + exp(-x))",
                    "이것은 tanh 입니다. sigmoid 는 1 / (1 + exp(-x)) 입니다",
                    lambda: np.tanh(x)),
            Mistake("sigmoid-naive-overflow",
                    "exp(x) / (1 + exp(x)) gives inf / inf = NaN once exp(x) overflows (x > ~710 "
                    "in float64, ~89 in float32). Exponentiate only numbers <= 0: with "
                    "z = exp(-|x|), use 1 / (1 + z) where x >= 0 and z / (1 + z) where x < 0",
                    "exp(x) / (1 + exp(x)) 는 exp(x) 가 넘치면 (float64 에서 x > 약 710, float32 "
                    "에서 약 89) inf / inf = NaN 이 됩니다. exp 에는 0 이하의 수만 넣으세요: "
                    "z = exp(-|x|) 로 두고 x >= 0 이면 1 / (1 + z), x < 0 이면 z / (1 + z)",
                    np.exp(x) / (1 + np.exp(x))),
        ]


def extreme_inputs(case) -> np.ndarray:
    fixed = np.array([-1e4, -1e3, -710.0, -100.0, -89.0, -30.0, -1.0, 0.0, 1.0, 30.0, 89.0,
                      100.0, 710.0, 1e3, 1e4])
    return np.concatenate([fixed, case.uniform(-1e4, 1e4, 9)]).astype(case.dtype).reshape(3, 8)


@check(2, en="sigmoid: values on random inputs of several shapes",
       ko="sigmoid: 여러 형상의 무작위 입력에서 값")
def test_sigmoid_values(learner, ref, cases):
    shapes = [(7,), (3, 4), (2, 3, 4), (1,)]
    for case in cases(n=2):
        x = case.randn(*shapes[case.index], scale=3.0)
        expect_array(learner.sigmoid(x), ref.sigmoid(x), name=f"sigmoid(x of shape {x.shape})",
                     like=x, mistakes=sigmoid_mistakes(x))


@check(1, en="sigmoid: no overflow or invalid-value warning for |x| up to 1e4",
       ko="sigmoid: |x| 가 1e4 까지 커도 overflow / invalid value 경고 없음")
def test_sigmoid_no_warnings(learner, ref, cases):
    lines = []
    for case in cases(n=1):
        x = extreme_inputs(case)
        call = learner.call("sigmoid", x)
        expect_array(call.value, ref.sigmoid(x),
                     name=f"sigmoid of large inputs ({x.dtype}, from -1e4 to 1e4)", like=x,
                     mistakes=sigmoid_mistakes(x))
        lines += [(x.dtype.name, line) for line in  # underflow is fine
                  runtime_warnings(call, "overflow", "invalid value")]
    dtype, shown = (lines[0][0], lines[0][1][-200:]) if lines else ("", "")
    expect_true(
        not lines,
        f"sigmoid gave the right values but numpy warned while computing them, for {dtype} "
        f"inputs:\n    {shown}\n"
        "np.exp overflows above about 88.7 in float32 and 709.8 in float64, so clipping x to "
        "±500 protects float64 only; np.exp(-x) overflows to inf for very negative x (and "
        "np.where evaluates both of its "
        "branches, so hiding the overflowing formula in one branch does not help). Exponentiate "
        "only numbers <= 0: with z = np.exp(-np.abs(x)), sigmoid(x) is 1 / (1 + z) where x >= 0 "
        "and z / (1 + z) where x < 0.",
        f"sigmoid 의 값은 맞지만 {dtype} 입력을 계산하는 중에 numpy 경고가 났습니다:\n    {shown}\n"
        "np.exp 는 float32 에서 약 88.7, float64 에서 709.8 을 넘으면 넘치므로 x 를 ±500 으로 자르면 "
        "float64 만 안전합니다. x 가 아주 작은 음수이면 np.exp(-x) 가 inf 로 넘칩니다 (np.where 는 양쪽 식을 모두 "
        "계산하므로 넘치는 식을 한쪽에 숨겨도 소용없습니다). exp 에는 0 이하의 수만 넣으세요: "
        "z = np.exp(-np.abs(x)) 로 두면 x >= 0 에서 1 / (1 + z), x < 0 에서 z / (1 + z) 입니다.")


@check(2, en="sigmoid: finite, correct values for inputs up to 1e4 in magnitude",
       ko="sigmoid: 절댓값 1e4 까지의 입력에서 유한하고 올바른 값")
def test_sigmoid_extreme(learner, ref, cases):
    for case in cases(n=2):
        x = extreme_inputs(case)
        got = expect_array(learner.sigmoid(x), ref.sigmoid(x),
                           name=f"sigmoid of large inputs ({x.dtype}, from -1e4 to 1e4)",
                           like=x, mistakes=sigmoid_mistakes(x))
        expect_true(bool(np.isfinite(got).all()), "sigmoid returned NaN or inf.",
                    "sigmoid 가 NaN 또는 inf 를 반환했습니다.")


# ---- gates, cell, forward ----------------------------------------------------------------------
@check(4, en="lstm_gates: dict of f, g, i, o with the right blocks and activations",
       ko="lstm_gates: 올바른 덩어리와 활성화의 f, g, i, o dict")
def test_gates_values(learner, ref, cases):
    shapes = [(3, 4, 4), (2, 5, 3), (1, 2, 6), (4, 3, 1)]  # (N, D, H); D == H first
    for case in cases(n=2):
        N, D, H = shapes[case.index]
        x, h, _, Wx, Wh, b = cell_inputs(case, N, D, H)
        check_gates(learner, ref, x, h, Wx, Wh, b)


@check(4, en="lstm_cell: h_next and c_next of one step",
       ko="lstm_cell: 한 시각의 h_next 와 c_next")
def test_cell_values(learner, ref, cases):
    shapes = [(3, 4, 4), (2, 3, 5), (1, 6, 2), (5, 2, 1)]
    for case in cases(n=2):
        check_cell(learner, ref, *cell_inputs(case, *shapes[case.index]))


@check(3, en="lstm_forward: hs, h_last, c_last over T steps from given h0, c0 (T = 1, N = 1 too)",
       ko="lstm_forward: 주어진 h0, c0 에서 T 시각 동안의 hs, h_last, c_last (T = 1, N = 1 포함)")
def test_forward_values(learner, ref, cases):
    shapes = [(2, 4, 3, 3), (1, 1, 2, 3), (3, 1, 4, 2), (1, 6, 3, 3), (2, 3, 5, 4), (4, 5, 2, 1)]
    for case in cases(n=3):  # (N, T, D, H)
        check_forward(learner, ref, *forward_inputs(case, *shapes[case.index]))


@check(2, en="lstm_forward: h0 and c0 default to zeros (left out or None)",
       ko="lstm_forward: h0, c0 를 생략하거나 None 이면 0 에서 시작")
def test_forward_zero_state(learner, ref, cases):
    shapes = [(2, 4, 3, 3), (1, 1, 3, 2), (3, 3, 2, 4), (1, 5, 4, 2)]
    for case in cases(n=2):
        xs, Wx, Wh, b, _, _ = forward_inputs(case, *shapes[case.index])
        style = "omitted" if case.index % 2 == 0 else "positional"
        check_forward(learner, ref, xs, Wx, Wh, b, None, None, style=style)
