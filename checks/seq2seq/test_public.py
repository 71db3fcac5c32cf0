"""Public checks for seq2seq: every method against the reference on shared weights.

The learner's model is built in the worker, given the reference model's weights and converted to
the case's dtype, so both compute with identical parameters. Python's `random` is reseeded right
before every forward call on both sides (learner: reseed=N; here: random.seed(N)). Decoding that
feeds argmax tokens back is compared in float64 so that rounding cannot flip a token.
"""

from __future__ import annotations

import copy
import random
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F

from grader.api import Mistake, RemoteArray, RemoteObject, Text, check, describe, \
    expect_array, expect_true, fail, fail_at, replaying, same_array
from grader.expect import TOLERANCE, compare

TORCH_DTYPES = {"float64": torch.float64, "float32": torch.float32}


# ============================================================================ shared weights
class Pair:
    """The learner's model (in the worker) and the reference's, with the same weights.
    """

    def __init__(self, remote: RemoteObject | None, local: torch.nn.Module, dims: tuple,
                 dtype: str) -> None:
        self.remote, self.local = remote, local
        self.dims = dims  # (src_vocab, tgt_vocab, emb_dim, hidden_dim)
        self.dtype = dtype

    @property
    def np_dtype(self) -> np.dtype:
        return np.dtype(self.dtype)

    def label(self) -> str:
        v1, v2, e, h = self.dims
        return f"Seq2Seq({v1}, {v2}, {e}, {h}), {self.dtype}"


def reference(ref):
    """What the checks compare with: the hidden reference, or in a student release (which ships
    none, and cannot replay objects) the public oracle at the end of this file."""
    return PUBLIC_ORACLE if replaying(ref) else ref


def reference_model(ref, dims: tuple, init_seed: int) -> torch.nn.Module:
    """The reference model with weights from a fixed seed (the global torch RNG is untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(init_seed)  # CPU only, as fork_rng saves
        return reference(ref).Seq2Seq(*dims)


def spread(model: torch.nn.Module, rng: np.random.Generator) -> torch.nn.Module:
    """Larger random weights than PyTorch's default init, so that an untrained model's argmax
    tokens vary and depend on what was fed (wrong feedback then shows in the values)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "embed" not in name:
                scale = 0.3 if "bias" in name else 1.5
                p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)) * scale))
    return model


def build(learner, ref, rng: np.random.Generator, dtype: str = "float64",
          dims: tuple | None = None) -> Pair:
    if dims is None:
        dims = (int(rng.integers(4, 9)), int(rng.integers(4, 9)), int(rng.integers(2, 6)),
                int(rng.integers(3, 7)))
    local = spread(reference_model(ref, dims, int(rng.integers(1 << 30))), rng)
    remote = learner.new("Seq2Seq", *dims)
    remote.load_state_dict({k: v.detach().clone() for k, v in local.state_dict().items()})
    if dtype == "float64":
        local.double()
        remote.double()
    return Pair(remote, local, dims, dtype)


def tokens(rng: np.random.Generator, high: int, *shape: int, low: int = 0) -> torch.Tensor:
    return torch.from_numpy(rng.integers(low, high, shape, dtype=np.int64))


def float_tensor(rng: np.random.Generator, dtype: str, *shape: int) -> torch.Tensor:
    return torch.from_numpy(rng.standard_normal(shape)).to(TORCH_DTYPES[dtype])


def reseeded(seed: int, fn, *args):
    """Call a reference function right after random.seed(seed), as the worker does."""
    random.seed(seed)
    with torch.no_grad():
        return fn(*args)


def close(got: np.ndarray, expected: np.ndarray, dtype) -> bool:
    """Equal within the tolerance of `dtype` (for comparing the learner with itself)."""
    got, expected = np.asarray(got), np.asarray(expected)
    return got.shape == expected.shape and compare(got, expected,
                                                   *TOLERANCE[np.dtype(dtype).name]) is None


def _shape(t) -> str:
    return str(tuple(t.shape))


# ============================================================================ wrong variants
def safe(fn):
    """A Mistake value that cannot break the diagnosis: None (never matches) if the variant fails
    on unusual inputs."""
    def run():
        try:
            return fn()
        except Exception:  # noqa: BLE001 - a variant that does not apply names nothing
            return None
    return run


def variant_forward(model, src, dec_input, ratio, seed=0, **bug):
    """forward() with one classic bug switched on (built from the model's own modules)."""
    with torch.no_grad():
        return decode_loop(model, src, dec_input, ratio, random.Random(seed), **bug)


def decode_loop(model, src, dec_input, ratio, rnd, *, zero_state=False, inverted=False,
                truth_lag=False, stale_pred=False, step0_zero=False, extra_draw=False, axis=-1,
                ratio_ignored=False, one_draw=False, per_sample=False):
    """The spec's forward() from the model's layers, drawing from `rnd`, with any one bug."""
    _, (h, c) = model.encoder(model.src_embed(src))
    h, c = h[0], c[0]
    if zero_state:
        h, c = torch.zeros_like(h), torch.zeros_like(c)
    steps: list[torch.Tensor] = []
    once = rnd.random() if one_draw else None  # one draw for the whole call
    for t in range(dec_input.shape[1]):
        if t == 0:
            token = dec_input[:, 0]
            if extra_draw or step0_zero:
                use = rnd.random() < ratio
                if step0_zero and not use:
                    token = torch.zeros_like(token)
        elif per_sample:  # one draw per sequence of the batch
            use = torch.tensor([rnd.random() < ratio for _ in range(dec_input.shape[0])])
            token = torch.where(use, dec_input[:, t], steps[-1].argmax(dim=axis))
        else:
            draw = once if one_draw else rnd.random()
            use = True if ratio_ignored else draw >= ratio if inverted else draw < ratio
            if use:
                token = dec_input[:, t - 1] if truth_lag else dec_input[:, t]
            else:
                token = (steps[0] if stale_pred else steps[-1]).argmax(dim=axis)
        h, c = model.decoder(model.tgt_embed(token), (h, c))
        steps.append(model.out(h))
    return torch.stack(steps, dim=1)


def variant_greedy(model, src, start_id, max_len, *, axis=-1, zero_state=False,
                   start="skip", feed_start=False):
    """greedy_decode() with one classic bug switched on."""
    with torch.no_grad():
        _, (h, c) = model.encoder(model.src_embed(src))
        h, c = h[0], c[0]
        if zero_state:
            h, c = torch.zeros_like(h), torch.zeros_like(c)
        first = torch.full((src.shape[0],), start_id, dtype=torch.long)
        token, out = first, [first] if start != "skip" else []
        steps = max_len - 1 if start == "replace" else max_len
        for _ in range(max(steps, 0)):
            h, c = model.decoder(model.tgt_embed(first if feed_start else token), (h, c))
            token = model.out(h).argmax(dim=axis)
            out.append(token)
        return torch.stack(out, 1) if out else torch.zeros(src.shape[0], 0, dtype=torch.long)


def forward_mistakes(pair: Pair, src, dec_input, ratio, seed) -> list[Mistake]:
    m, n_vocab = pair.local, pair.dims[1]

    def v(**kw):
        return safe(lambda: variant_forward(m, src, dec_input, ratio, seed, **kw))

    found = [
        Mistake("zero-state",
                "the decoder started from zeros: its initial state must be the encoder's final "
                "(h, c) from encode(src)",
                "디코더가 0 상태에서 시작했습니다: 초기 상태는 encode(src) 가 준 인코더의 마지막 "
                "(h, c) 여야 합니다", v(zero_state=True)),
        Mistake("inverted-ratio",
                "the teacher-forcing test is inverted: feed the ground truth when "
                "random.random() < teacher_forcing_ratio (ratio 1.0 = always the truth)",
                "교사 강요 조건이 뒤집혔습니다: random.random() < teacher_forcing_ratio 일 때 "
                "정답을 넣습니다 (비율 1.0 = 항상 정답)", v(inverted=True)),
        Mistake("ratio-ignored",
                "the ground truth was fed at every step whatever teacher_forcing_ratio is: feed "
                "it only when random.random() < teacher_forcing_ratio, else the previous step's "
                "argmax",
                "teacher_forcing_ratio 와 상관없이 매 단계 정답을 넣었습니다: random.random() < "
                "teacher_forcing_ratio 일 때만 정답을, 아니면 이전 단계의 argmax 를 넣으세요",
                v(ratio_ignored=True)),
        Mistake("one-draw-per-call",
                "one random number decided every step of the call: draw once per step t >= 1, "
                "so that each step decides anew",
                "난수 하나로 호출 전체의 단계를 정했습니다: t >= 1 단계마다 한 번씩 뽑아 단계마다 "
                "새로 정하세요", v(one_draw=True)),
        Mistake("draw-per-sequence",
                "a random number was drawn for each sequence of the batch: the spec draws once "
                "per step, for the whole batch",
                "배치의 시퀀스마다 난수를 뽑았습니다: 명세는 단계마다 한 번, 배치 전체에 대해 "
                "뽑습니다", v(per_sample=True)),
        Mistake("truth-lag",
                "the ground truth came from the wrong position: step t feeds dec_input[:, t], "
                "not dec_input[:, t-1]",
                "정답 토큰의 위치가 틀렸습니다: t 단계에는 dec_input[:, t-1] 이 아니라 "
                "dec_input[:, t] 를 넣습니다", v(truth_lag=True)),
        Mistake("stale-prediction",
                "the fed-back prediction was not updated: step t uses the argmax of step t-1's "
                "logits, not of step 0's",
                "되먹이는 예측이 갱신되지 않았습니다: t 단계는 0 단계가 아니라 t-1 단계 로짓의 "
                "argmax 를 씁니다", v(stale_pred=True)),
        Mistake("draw-at-step0",
                "a random number was drawn at step 0 too: draw once per step t >= 1 only, in "
                "step order, otherwise every later decision shifts",
                "0 단계에서도 난수를 뽑았습니다: t >= 1 단계에서만 한 번씩 순서대로 뽑아야 하며, "
                "그렇지 않으면 이후 결정이 모두 밀립니다", v(extra_draw=True)),
        Mistake("one-step-short",
                "one step is missing: there is one output per decoder input, T in all (loop over "
                "range(T), not range(1, T))",
                "한 단계가 빠졌습니다: 디코더 입력마다 출력이 하나, 모두 T 개입니다 (range(1, T) 가 "
                "아니라 range(T) 로 반복하세요)",
                safe(lambda: variant_forward(m, src, dec_input[:, :-1], ratio, seed))),
        Mistake("step0-ignored",
                "step 0 did not use dec_input[:, 0]: the first step always feeds the start token "
                "(no draw there); only steps t >= 1 may feed predictions",
                "0 단계에서 dec_input[:, 0] 을 쓰지 않았습니다: 첫 단계는 항상 시작 토큰을 넣고 "
                "(난수 없음), t >= 1 단계만 예측을 넣을 수 있습니다", v(step0_zero=True)),
    ]
    if src.shape[0] == n_vocab:
        found.append(Mistake(
            "argmax-axis", "the argmax was taken over the batch axis: use the vocabulary "
            "(last) axis, argmax(dim=-1)", "argmax 를 배치 축에서 했습니다: 어휘 축(마지막 축), "
            "argmax(dim=-1) 을 쓰세요", v(axis=0)))
    return found


# ============================================================================ helpers
def expect_pair(got, name: str) -> None:
    expect_true(isinstance(got, (tuple, list)) and len(got) == 2,
                f"{name}: expected a pair (tuple of 2), got {describe(got)}.",
                f"{name}: 2개짜리 튜플이어야 하는데 {describe(got)} 입니다.")


def expect_logits(pair: Pair, src, dec_input, ratio, seed, got=None) -> np.ndarray:
    """The learner's forward(src, dec_input, ratio) under reseed, against the reference's."""
    call = (f"forward(src {_shape(src)}, dec_input {_shape(dec_input)}, "
            f"teacher_forcing_ratio={ratio})")
    name = Text(f"{pair.label()}: {call} after random.seed({seed})",
                f"{pair.label()}: random.seed({seed}) 뒤 {call}")
    if got is None:
        got = pair.remote.method("forward", src, dec_input, ratio, reseed=seed).value
    expected = reseeded(seed, pair.local, src, dec_input, ratio)
    return expect_array(got, expected, name=name, like=pair.np_dtype, kind="tensor",
                        mistakes=forward_mistakes(pair, src, dec_input, ratio, seed))


def forward_inputs(pair: Pair, rng, n=None, s=None, t=None):
    v1, v2 = pair.dims[:2]
    n = n or int(rng.integers(1, 5))
    src = tokens(rng, v1, n, s or int(rng.integers(1, 6)))
    return src, tokens(rng, v2, n, t or int(rng.integers(2, 6)))


def expect_float(got, expected: float, name: str | Text, mistakes=(),
                 dtype: str = "float64") -> None:
    """A Python float (loss.item()), compared as a float64 scalar with the usual tolerance."""
    if isinstance(got, RemoteArray):
        raise fail_at(name, f"expected a Python float, got {describe(got)}. Return loss.item().",
                      f"파이썬 float 이어야 하는데 {describe(got)} 입니다. loss.item() 을 "
                      "반환하세요.")
    if not isinstance(got, (float, np.floating)):
        raise fail_at(name, f"expected a Python float, got {type(got).__name__}.",
                      f"파이썬 float 이어야 하는데 {type(got).__name__} 입니다.")
    wrapped = RemoteArray("torch.Tensor", np.asarray(float(got), dtype=np.float64))
    expect_array(wrapped, np.asarray(expected, dtype=np.float64), name=name,
                 like=np.dtype("float64"), kind="tensor", mistakes=mistakes, tol=TOLERANCE[dtype])


# ============================================================================ split_decoder_io
@check(2, en="split_decoder_io: decoder input and target shifted by one step",
       ko="split_decoder_io: 한 칸 어긋난 디코더 입력과 정답")
def test_split_decoder_io(learner, cases):
    rng = cases.rng()
    for n, t in [(2, 5), (3, 2), (1, 4), (4, 3), (3, 7)]:
        tgt = tokens(rng, 20, n, t)
        got = learner.split_decoder_io(tgt)
        name = f"split_decoder_io(tgt of shape {(n, t)})"
        expect_pair(got, name)
        unshifted = Mistake("not-shifted", "the targets are not shifted: dec_input is tgt[:, :-1] "
                            "and dec_target is tgt[:, 1:] (the next token at every step)",
                            "정답이 한 칸 밀리지 않았습니다: dec_input 은 tgt[:, :-1], "
                            "dec_target 은 tgt[:, 1:] (매 단계의 다음 토큰) 입니다", tgt)
        batch_axis = Mistake("batch-axis", "the batch axis was sliced: cut the time axis, "
                             "tgt[:, :-1] and tgt[:, 1:]", "배치 축을 잘랐습니다: 시간 축을 잘라 "
                             "tgt[:, :-1], tgt[:, 1:] 로 만드세요", tgt[:-1])
        swapped = Mistake("swapped", "the two were swapped: return (dec_input, dec_target) = "
                          "(tgt[:, :-1], tgt[:, 1:])", "두 값의 순서가 바뀌었습니다: "
                          "(tgt[:, :-1], tgt[:, 1:]) 순서로 반환하세요", tgt[:, 1:])
        expect_array(got[0], tgt[:, :-1], name=f"{name}[0] (dec_input)", like=np.dtype("int64"),
                     kind="tensor", mistakes=[swapped, unshifted, batch_axis])
        target_like_input = Mistake(
            "target-equals-input", "dec_target equals dec_input: the target at step t is the "
            "NEXT token, tgt[:, 1:]", "dec_target 이 dec_input 과 같습니다: t 단계의 정답은 다음 "
            "토큰 tgt[:, 1:] 입니다", tgt[:, :-1])
        expect_array(got[1], tgt[:, 1:], name=f"{name}[1] (dec_target)", like=np.dtype("int64"),
                     kind="tensor", mistakes=[target_like_input, unshifted, Mistake(
                         batch_axis.id, batch_axis.en, batch_axis.ko, tgt[1:])])


# ============================================================================ encode
def encode_mistakes(pair: Pair, src, which: int) -> list[Mistake]:
    m = pair.local

    def run():
        with torch.no_grad():
            return m.encoder(m.src_embed(src))

    return [
        Mistake("layer-axis", "the layer axis was kept: h_n and c_n are (1, N, H); return h_n[0] "
                "and c_n[0] (or squeeze(0))", "층 축이 남아 있습니다: h_n, c_n 은 (1, N, H) "
                "이므로 h_n[0], c_n[0] (또는 squeeze(0)) 를 반환하세요",
                safe(lambda: run()[1][which])),
        Mistake("h-c-swapped", "h and c are swapped: nn.LSTM returns (output, (h_n, c_n)) and "
                "encode returns (h, c)", "h 와 c 가 바뀌었습니다: nn.LSTM 은 (output, (h_n, c_n)) "
                "을 반환하고 encode 는 (h, c) 를 반환합니다", safe(lambda: run()[1][1 - which][0])),
        Mistake("all-outputs", "all time steps were returned: only the final state is the "
                "context", "모든 시점의 출력을 반환했습니다: 문맥은 마지막 상태뿐입니다",
                safe(lambda: run()[0])),
        Mistake("first-step", "the state after the FIRST source token was returned: the "
                "context is the state after the last one", "첫 입력 토큰 뒤의 상태를 "
                "반환했습니다: 문맥은 마지막 토큰 뒤의 상태입니다", safe(lambda: run()[0][:, 0])),
        Mistake("time-batch-swapped", "src was read with time and batch swapped: the encoder is "
                "batch_first, feed (N, S, E) as is", "src 의 시간 축과 배치 축을 바꿔 "
                "읽었습니다: 인코더가 batch_first 이므로 (N, S, E) 를 그대로 넣으세요",
                safe(lambda: m.encoder(m.src_embed(src.T))[1][which][0].detach())),
    ]


@check(3, en="encode: the encoder's final (h, c), each (N, H)",
       ko="encode: 인코더의 마지막 (h, c), 각각 (N, H)")
def test_encode(learner, ref, cases):
    for case in cases(n=1):
        pair = build(learner, ref, case.rng, case.dtype.name)
        for n, s in [(3, 4), (1, 5), (4, 1)][case.index:case.index + 2]:
            src = tokens(case.rng, pair.dims[0], n, s)
            got = pair.remote.encode(src)
            name = f"{pair.label()}: encode(src of shape {(n, s)})"
            expect_pair(got, name)
            with torch.no_grad():
                expected = pair.local.encode(src)
            for i, part in enumerate("hc"):
                expect_array(got[i], expected[i], name=f"{name}[{i}] ({part})",
                             like=pair.np_dtype, kind="tensor",
                             mistakes=encode_mistakes(pair, src, i))


# ============================================================================ decode_step
def decode_mistakes(pair: Pair, token, h, c, which: str) -> list[Mistake]:
    m = pair.local
    with torch.no_grad():
        h1, c1 = m.decoder(m.tgt_embed(token), (h, c))
        h2, c2 = m.decoder(m.tgt_embed(token), (c, h))
        options = {
            "logits": [("logits-from-c", m.out(c1), "the logits were computed from the cell state "
                        "c: project the hidden state, self.out(h)", "셀 상태 c 로 로짓을 "
                        "계산했습니다: 은닉 상태를 사영하세요, self.out(h)"),
                       ("state-order", m.out(h2), "the state was passed as (c, h): LSTMCell takes "
                        "(h, c)", "상태를 (c, h) 로 넘겼습니다: LSTMCell 은 (h, c) 를 받습니다"),
                       ("old-h", m.out(h), "the logits came from the incoming h: run the cell "
                        "first, then project its new h", "들어온 h 로 로짓을 계산했습니다: 셀을 먼저 "
                        "돌리고 새 h 를 사영하세요")],
            "h": [("old-state", h, "the incoming state was returned: return the new (h, c) from "
                   "the cell", "들어온 상태를 그대로 반환했습니다: 셀이 만든 새 (h, c) 를 반환하세요"),
                  ("h-c-swapped", c1, "h and c are swapped in the returned state: return (h, c)",
                   "반환한 상태에서 h 와 c 가 바뀌었습니다: (h, c) 순서입니다"),
                  ("state-order", h2, "the state was passed as (c, h): LSTMCell takes (h, c)",
                   "상태를 (c, h) 로 넘겼습니다: LSTMCell 은 (h, c) 를 받습니다")],
            "c": [("old-state", c, "the incoming state was returned: return the new (h, c) from "
                   "the cell", "들어온 상태를 그대로 반환했습니다: 셀이 만든 새 (h, c) 를 반환하세요"),
                  ("h-c-swapped", h1, "h and c are swapped in the returned state: return (h, c)",
                   "반환한 상태에서 h 와 c 가 바뀌었습니다: (h, c) 순서입니다"),
                  ("state-order", c2, "the state was passed as (c, h): LSTMCell takes (h, c)",
                   "상태를 (c, h) 로 넘겼습니다: LSTMCell 은 (h, c) 를 받습니다")],
        }[which]
    return [Mistake(i, en, ko, value) for i, value, en, ko in options]


@check(3, en="decode_step: one decoder step gives logits (N, V) and the new (h, c)",
       ko="decode_step: 디코더 한 단계의 로짓 (N, V) 과 새 (h, c)")
def test_decode_step(learner, ref, cases):
    for case in cases(n=1):
        pair = build(learner, ref, case.rng, case.dtype.name)
        hid = pair.dims[3]
        for n in [(3, 1), (4, 2)][case.index]:
            token = tokens(case.rng, pair.dims[1], n)
            h, c = (float_tensor(case.rng, case.dtype.name, n, hid) for _ in range(2))
            got = pair.remote.decode_step(token, (h, c))
            name = (f"{pair.label()}: decode_step(token of shape {(n,)}, (h, c) of shape "
                    f"{(n, hid)})")
            expect_pair(got, name)
            expect_pair(got[1], f"{name}[1] (the new state)")
            with torch.no_grad():
                logits, (h1, c1) = pair.local.decode_step(token, (h, c))
            for value, expected, label, key in [(got[0], logits, "[0] (logits)", "logits"),
                                                (got[1][0], h1, "[1][0] (h)", "h"),
                                                (got[1][1], c1, "[1][1] (c)", "c")]:
                expect_array(value, expected, name=name + label, like=pair.np_dtype,
                             kind="tensor", mistakes=decode_mistakes(pair, token, h, c, key))


# ============================================================================ forward
@check(3, en="forward, teacher_forcing_ratio=1.0: every step reads the ground truth",
       ko="forward, teacher_forcing_ratio=1.0: 매 단계 정답을 입력")
def test_forward_teacher_forcing(learner, ref, cases):
    for case in cases(n=1):
        pair = build(learner, ref, case.rng, case.dtype.name)
        for t in (3, 5):
            src, dec_input = forward_inputs(pair, case.rng, t=t)
            seed = int(case.rng.integers(1 << 20))
            got = expect_logits(pair, src, dec_input, 1.0, seed)
            # behaviour: later tokens must not change earlier steps (no peeking ahead)
            k = int(case.rng.integers(1, t))
            changed = dec_input.clone()
            changed[:, k:] = (changed[:, k:] + 1) % pair.dims[1]
            again = pair.remote.method("forward", src, changed, 1.0, reseed=seed + 1).value
            expect_logits(pair, src, changed, 1.0, seed + 1, got=again)
            expect_true(close(again.data[:, :k], got[:, :k], pair.dtype),
                        f"{pair.label()}: changing dec_input[:, {k}:] changed the logits of steps "
                        f"before {k}: with teacher forcing, step t may only depend on "
                        "dec_input[:, :t+1].",
                        f"{pair.label()}: dec_input[:, {k}:] 만 바꿨는데 {k} 이전 단계의 로짓이 "
                        "바뀌었습니다: 교사 강요에서 t 단계는 dec_input[:, :t+1] 에만 의존해야 "
                        "합니다.")
        if case.index == 0:  # the keyword is named teacher_forcing_ratio and defaults to 1.0
            expect_logits(pair, src, dec_input, 1.0, 3, got=pair.remote.method(
                "forward", src, dec_input, reseed=3).value)
            expect_logits(pair, src, dec_input, 1.0, 4, got=pair.remote.method(
                "forward", src, dec_input, teacher_forcing_ratio=1.0, reseed=4).value)


@check(3, en="forward, teacher_forcing_ratio=0.0: feeds back its own argmax predictions",
       ko="forward, teacher_forcing_ratio=0.0: 자신의 argmax 예측을 되먹임")
def test_forward_free_running(learner, ref, cases):
    rng = cases.rng()
    for i in range(2):
        pair = build(learner, ref, rng)
        for j in range(2):
            n = pair.dims[1] if i == j == 0 else None  # batch == vocab: a wrong argmax axis runs
            src, dec_input = forward_inputs(pair, rng, n=n, t=int(rng.integers(3, 7)))
            seed = int(rng.integers(1 << 20))
            got = expect_logits(pair, src, dec_input, 0.0, seed)
            # behaviour: dec_input[:, 1:] is never read
            other = dec_input.clone()
            other[:, 1:] = tokens(rng, pair.dims[1], dec_input.shape[0], dec_input.shape[1] - 1)
            again = pair.remote.method("forward", src, other, 0.0, reseed=seed + 7).value
            expect_logits(pair, src, other, 0.0, seed + 7, got=again)
            expect_true(close(again.data, got, pair.dtype),
                        f"{pair.label()}: with teacher_forcing_ratio=0.0 the logits changed when "
                        "only dec_input[:, 1:] changed: free-running decoding reads "
                        "dec_input[:, 0] only.",
                        f"{pair.label()}: teacher_forcing_ratio=0.0 인데 dec_input[:, 1:] 만 바꿔도 "
                        "로짓이 바뀌었습니다: 자유 실행 디코딩은 dec_input[:, 0] 만 읽습니다.")


@check(3, en="forward, 0 < ratio < 1: one random.random() draw per step, as the reference",
       ko="forward, 0 < 비율 < 1: 단계마다 random.random() 한 번, 참조 구현과 동일")
def test_forward_mixed_ratio(learner, ref, cases):
    rng = cases.rng()
    for ratios in ((0.5, 0.3, 0.5), (0.7, 0.5, 0.5)):
        pair = build(learner, ref, rng)
        src, dec_input = forward_inputs(pair, rng, t=int(rng.integers(4, 8)))
        for ratio in ratios:
            expect_logits(pair, src, dec_input, ratio, int(rng.integers(1 << 20)))


# ============================================================================ greedy_decode
def greedy_mistakes(pair: Pair, src, start_id, max_len) -> list[Mistake]:
    m = pair.local

    def v(**kw):
        return safe(lambda: variant_greedy(m, src, start_id, max_len, **kw))

    found = [
        Mistake("start-included", "the start token was included: return only the max_len "
                "predicted tokens that follow it", "시작 토큰이 포함되었습니다: 그 뒤에 예측한 "
                "max_len 개의 토큰만 반환하세요", v(start="extra")),
        Mistake("start-included", "the start token was included in place of a prediction: "
                "return the max_len predicted tokens that follow it", "시작 토큰이 예측 자리에 "
                "들어갔습니다: 그 뒤에 예측한 max_len 개의 토큰을 반환하세요", v(start="replace")),
        Mistake("zero-state", "decoding started from zeros: start from encode(src)'s (h, c)",
                "0 상태에서 디코딩을 시작했습니다: encode(src) 의 (h, c) 에서 시작하세요",
                v(zero_state=True)),
        Mistake("no-feedback", "every step was fed the start token: feed back the previous "
                "step's prediction", "매 단계 시작 토큰을 넣었습니다: 앞 단계의 예측을 "
                "되먹이세요", v(feed_start=True)),
    ]
    if src.shape[0] == pair.dims[1]:
        found.insert(0, Mistake(
            "argmax-axis", "the argmax was taken over the batch axis: take it over the "
            "vocabulary (last) axis, logits.argmax(dim=-1)", "argmax 를 배치 축에서 했습니다: "
            "어휘 축(마지막 축)에서 logits.argmax(dim=-1) 로 하세요", v(axis=0)))
    return found


def expect_greedy(pair: Pair, src, start_id: int, max_len: int) -> None:
    got = pair.remote.greedy_decode(src, start_id, max_len)
    expected = pair.local.greedy_decode(src, start_id, max_len)
    expect_array(got, expected, like=np.dtype("int64"), kind="tensor",
                 name=f"{pair.label()}: greedy_decode(src {_shape(src)}, start_id={start_id}, "
                      f"max_len={max_len})", mistakes=greedy_mistakes(pair, src, start_id, max_len))


@check(3, en="greedy_decode: (N, max_len) int64 predictions fed back step by step",
       ko="greedy_decode: 한 단계씩 되먹인 (N, max_len) int64 예측")
def test_greedy_decode(learner, ref, cases):
    rng = cases.rng()
    for i in range(2):
        pair = build(learner, ref, rng)
        for n in ([pair.dims[1], 3] if i == 0 else [int(rng.integers(1, 5))]):
            src = tokens(rng, pair.dims[0], n, int(rng.integers(1, 6)))
            start_id = int(rng.integers(pair.dims[1]))
            expect_greedy(pair, src, start_id, int(rng.integers(2, 7)))
    expect_greedy(pair, src, start_id, 1)
    expect_greedy(pair, src, start_id, 0)


# ============================================================================ sequence_loss
def loss_inputs(rng, dtype: str, n: int, t: int, vocab: int, pad_id: int):
    logits = float_tensor(rng, dtype, n, t, vocab) * 2
    target = tokens(rng, vocab, n, t)
    pads = rng.random((n, t)) < 0.35
    pads.flat[int(rng.integers(n * t))] = False  # at least one real target
    target[torch.from_numpy(pads)] = pad_id
    keep = ~torch.from_numpy(pads)
    target[keep & (target == pad_id)] = (pad_id + 1) % vocab
    return logits, target


def loss_mistakes(logits, target, pad_id: int) -> list[Mistake]:
    flat, tflat = logits.reshape(-1, logits.shape[-1]), target.reshape(-1)
    summed = F.cross_entropy(flat, tflat, ignore_index=pad_id, reduction="sum")
    return [
        Mistake("padding-counted", "padding positions were counted: pass ignore_index=pad_id so "
                "targets equal to pad_id are left out of the mean", "패딩 위치가 포함되었습니다: "
                "ignore_index=pad_id 로 pad_id 인 정답을 평균에서 빼세요",
                F.cross_entropy(flat, tflat)),
        Mistake("sum", "the loss was summed: it is the MEAN over non-padding targets",
                "손실을 합했습니다: 패딩이 아닌 정답에 대한 평균입니다", summed),
        Mistake("per-batch", "the sum was divided by the batch size N: divide by the number of "
                "non-padding targets", "합을 배치 크기 N 으로 나눴습니다: 패딩이 아닌 정답 수로 "
                "나누세요", summed / logits.shape[0]),
        Mistake("all-positions", "the sum was divided by N*T: padding must not count in the "
                "divisor either", "합을 N*T 로 나눴습니다: 분모에도 패딩을 세지 않습니다",
                summed / tflat.numel()),
        Mistake("pad-zero", "pad_id was assumed to be 0: use the pad_id argument",
                "pad_id 를 0 으로 가정했습니다: pad_id 인자를 쓰세요",
                F.cross_entropy(flat, tflat, ignore_index=0) if pad_id != 0 else -1.0),
        Mistake("flatten-order", "logits and targets were flattened in different orders: "
                "reshape both with the same (N*T) order", "로짓과 정답을 서로 다른 순서로 "
                "펼쳤습니다: 둘 다 같은 (N*T) 순서로 reshape 하세요",
                F.cross_entropy(flat, target.T.reshape(-1), ignore_index=pad_id)
                if target.shape[0] > 1 and target.shape[1] > 1 else -1.0),
    ]


def expect_loss(learner, logits, target, pad_id: int):
    name = (f"sequence_loss(logits {_shape(logits)} {str(logits.dtype)[6:]}, dec_target "
            f"{_shape(target)}, pad_id={pad_id})")
    got = learner.sequence_loss(logits, target, pad_id)
    flat = logits.reshape(-1, logits.shape[-1])
    oracle = F.cross_entropy(flat, target.reshape(-1), ignore_index=pad_id)
    return expect_array(got, oracle, name=name, like=np.dtype(str(logits.dtype)[6:]),
                        kind="tensor", mistakes=loss_mistakes(logits, target, pad_id))


@check(3, en="sequence_loss: mean cross-entropy that ignores padding",
       ko="sequence_loss: 패딩을 무시하는 평균 교차 엔트로피")
def test_sequence_loss(learner, cases):
    for case in cases(n=2):
        rng = case.rng
        n, t, vocab = [(3, 4, 5), (2, 6, 7), (4, 3, 6), (3, 5, 4)][case.index]
        pad_id = [0, vocab - 1, 2, 1][case.index]
        logits, target = loss_inputs(rng, case.dtype.name, n, t, vocab, pad_id)
        got = expect_loss(learner, logits, target, pad_id)
        # behaviour: logits at padding positions never matter
        changed = logits.clone()
        changed[target == pad_id] = float_tensor(rng, case.dtype.name, vocab) * 5
        again = learner.sequence_loss(changed, target, pad_id)
        expect_true(isinstance(again, RemoteArray) and close(again.data, got, case.dtype),
                    f"sequence_loss changed when only the logits at padding positions changed "
                    f"(pad_id={pad_id}): padding must not affect the loss.",
                    f"패딩 위치의 로짓만 바꿨는데 sequence_loss 가 바뀌었습니다 (pad_id={pad_id}): "
                    "패딩은 손실에 영향을 주면 안 됩니다.")


# ============================================================================ train_step
def train_batch(rng, dims: tuple, n: int, t: int, start_id: int = 1, pad_id: int = 0):
    """src (N, S) and tgt (N, t+1) = [start, tokens..., pad...], t >= 2; some rows padded."""
    v1, v2 = dims[:2]
    src = tokens(rng, v1, n, int(rng.integers(1, 5)))
    tgt = tokens(rng, v2, n, t + 1, low=2)
    tgt[:, 0] = start_id
    for row in range(0, n, 2):  # every other row is shorter; row 0 always has padding
        length = int(rng.integers(1, t)) if row == 0 else int(rng.integers(1, t + 1))
        tgt[row, length + 1:] = pad_id
    return src, tgt


class PlainSGD:
    """p -= lr * grad, for the reference side. torch.optim's first use imports torch._dynamo,
    which takes seconds; the learner's side uses a real torch.optim.SGD."""

    def __init__(self, params, lr: float) -> None:
        self.params, self.lr = list(params), lr

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-self.lr)


def variant_train(ref, pair: Pair, init: dict, steps: list, lr: float, mode: str = ""):
    """Train a fresh reference model from `init` with one bug: (losses, final state_dict)."""
    model = reference_model(ref, pair.dims, 0).to(TORCH_DTYPES[pair.dtype])
    model.load_state_dict(init)
    opt = PlainSGD(model.parameters(), lr)
    losses = []
    for src, tgt, pad_id, ratio, seed in steps:
        dec_in, dec_tgt = tgt[:, :-1], tgt[:, 1:]
        if mode == "unshifted":
            dec_tgt = dec_in
        if mode != "no-zero-grad":
            opt.zero_grad()
        random.seed(seed)
        logits = model(src, dec_in, 1.0 if mode == "ratio-ignored" else ratio)
        flat, tflat = logits.reshape(-1, logits.shape[-1]), dec_tgt.reshape(-1)
        if mode == "padding-counted":
            loss = F.cross_entropy(flat, tflat)
        elif mode == "sum":
            loss = F.cross_entropy(flat, tflat, ignore_index=pad_id, reduction="sum")
        else:
            loss = F.cross_entropy(flat, tflat, ignore_index=pad_id)
        loss.backward()
        if mode == "no-update":
            opt.zero_grad()
        if mode == "encoder-frozen":  # what a detached encoder state does: no gradient there
            for p in (*model.src_embed.parameters(), *model.encoder.parameters()):
                p.grad = None
        opt.step()
        if mode == "after-step":
            with torch.no_grad():
                random.seed(seed)
                loss = reference(ref).sequence_loss(model(src, dec_in, ratio), dec_tgt, pad_id)
        losses.append(loss.item())
    return losses, model.state_dict()


TRAIN_MISTAKES = {
    "after-step": ("the loss was measured after optimizer.step(): return the loss computed before "
                   "the update", "optimizer.step() 뒤에 손실을 쟀습니다: 갱신 전에 계산한 손실을 "
                   "반환하세요"),
    "unshifted": ("the targets were not shifted: train on split_decoder_io(tgt), predicting "
                  "tgt[:, 1:] from tgt[:, :-1]", "정답을 한 칸 밀지 않았습니다: split_decoder_io(tgt) "
                  "로 tgt[:, :-1] 에서 tgt[:, 1:] 을 예측하도록 학습하세요"),
    "padding-counted": ("padding was counted in the loss: use sequence_loss with pad_id",
                        "손실에 패딩이 포함되었습니다: pad_id 와 함께 sequence_loss 를 쓰세요"),
    "sum": ("the loss was summed instead of averaged: use sequence_loss (a mean)",
            "손실을 평균 대신 합했습니다: sequence_loss (평균) 를 쓰세요"),
    "no-update": ("the parameters did not move: call optimizer.zero_grad() BEFORE backward(), "
                  "and optimizer.step() after it", "파라미터가 바뀌지 않았습니다: "
                  "optimizer.zero_grad() 는 backward() 전에, optimizer.step() 은 그 뒤에 "
                  "호출하세요"),
    "no-zero-grad": ("gradients accumulated across steps: call optimizer.zero_grad() at the "
                     "start of every train_step", "기울기가 단계를 넘어 누적되었습니다: 매 train_step "
                     "시작에 optimizer.zero_grad() 를 호출하세요"),
    "ratio-ignored": ("the model ran with teacher_forcing_ratio 1.0: train_step must call "
                      "model(src, dec_input, teacher_forcing_ratio), and forward must use it",
                      "모델이 teacher_forcing_ratio 1.0 으로 실행되었습니다: train_step 은 "
                      "model(src, dec_input, teacher_forcing_ratio) 로 호출하고, forward 는 그 "
                      "값을 써야 합니다"),
    "encoder-frozen": ("the encoder's parameters did not move: no gradient reached them. Do not "
                       ".detach() the encoder's (h, c) or compute it under torch.no_grad(); the "
                       "decoder starts from it as it is",
                       "인코더의 파라미터가 바뀌지 않았습니다: 기울기가 닿지 않았습니다. 인코더의 "
                       "(h, c) 를 .detach() 하거나 torch.no_grad() 아래에서 계산하지 말고 그대로 "
                       "디코더의 시작 상태로 쓰세요"),
}


def train_mistakes(ref, pair, init, steps, lr, modes, pick) -> list[Mistake]:
    cache: dict = {}

    def value(mode):
        def compute():
            if mode not in cache:
                cache[mode] = variant_train(ref, pair, init, steps, lr, mode)
            return pick(cache[mode])
        return compute

    return [Mistake(mode, *TRAIN_MISTAKES[mode], safe(value(mode))) for mode in modes]


def run_train_steps(learner, ref, pair: Pair, steps: list, lr: float, modes: tuple) -> None:
    """Run train_step on both sides, compare every returned loss, then every parameter."""
    init = copy.deepcopy(pair.local.state_dict())
    remote_opt = learner.optimizer(pair.remote, "SGD", lr)
    local_opt = PlainSGD(pair.local.parameters(), lr)
    for k, (src, tgt, pad_id, ratio, seed) in enumerate(steps):
        args = (src, tgt, pad_id) if ratio == 1.0 else (src, tgt, pad_id, ratio)
        call = f"src {_shape(src)}, tgt {_shape(tgt)}, pad_id={pad_id}, ratio={ratio}"
        got = learner.call("train_step", pair.remote, remote_opt, *args, reseed=seed).value
        random.seed(seed)
        expected = reference(ref).train_step(pair.local, local_opt, *args)
        expect_float(got, expected, dtype=pair.dtype, mistakes=train_mistakes(
                         ref, pair, init, steps[:k + 1], lr, modes, lambda r: r[0][-1]),
                     name=Text(f"{pair.label()}: the value of train_step call {k + 1} ({call})",
                               f"{pair.label()}: train_step {k + 1}번째 호출 ({call}) 의 반환값"))
    got_state = pair.remote.state_dict()
    expect_true(isinstance(got_state, dict), "model.state_dict() did not return a dict.",
                "model.state_dict() 가 dict 를 반환하지 않았습니다.")
    # nothing moved, or only the encoder did not: say which, not both
    frozen = all(same_array(got_state.get(k), v) for k, v in init.items())
    modes = tuple(m for m in modes if m != ("encoder-frozen" if frozen else "no-update"))
    for key, expected in pair.local.state_dict().items():
        expect_array(got_state.get(key), expected, like=pair.np_dtype, kind="tensor",
                     name=Text(f"{pair.label()}: parameter {key} after {len(steps)} train_step "
                               f"call(s) with SGD(lr={lr})",
                               f"{pair.label()}: SGD(lr={lr}) 로 train_step 을 {len(steps)}번 "
                               f"호출한 뒤의 파라미터 {key}"),
                     mistakes=train_mistakes(ref, pair, init, steps, lr, modes,
                                             lambda r, key=key: r[1][key]))


@check(2, en="train_step: returns the pre-step loss and updates the weights as the reference",
       ko="train_step: 갱신 전 손실을 반환하고 참조 구현과 같이 가중치를 갱신")
def test_train_step(learner, ref, cases):
    for case in cases(n=1):
        pair = build(learner, ref, case.rng, case.dtype.name)
        src, tgt = train_batch(case.rng, pair.dims, int(case.rng.integers(2, 5)),
                               int(case.rng.integers(2, 5)))
        run_train_steps(learner, ref, pair, [(src, tgt, 0, 1.0, 11)], 0.5,
                        ("after-step", "unshifted", "padding-counted", "sum", "no-update",
                         "encoder-frozen"))


# ============================================================================ public oracle
class OracleSeq2Seq(torch.nn.Module):
    """The spec's Seq2Seq for a student release, which ships no reference: the layers are the
    stub's own, and the computation is decode_loop and variant_greedy with no bug switched on.
    The full package compares with the hidden reference instead (tests check both agree)."""

    def __init__(self, src_vocab: int, tgt_vocab: int, emb_dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.src_embed = torch.nn.Embedding(src_vocab, emb_dim)
        self.tgt_embed = torch.nn.Embedding(tgt_vocab, emb_dim)
        self.encoder = torch.nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.decoder = torch.nn.LSTMCell(emb_dim, hidden_dim)
        self.out = torch.nn.Linear(hidden_dim, tgt_vocab)

    def encode(self, src):
        _, (h, c) = self.encoder(self.src_embed(src))
        return h[0], c[0]

    def decode_step(self, token, state):
        h, c = self.decoder(self.tgt_embed(token), state)
        return self.out(h), (h, c)

    def forward(self, src, dec_input, teacher_forcing_ratio: float = 1.0):
        return decode_loop(self, src, dec_input, teacher_forcing_ratio, random)

    def greedy_decode(self, src, start_id: int, max_len: int):
        return variant_greedy(self, src, start_id, max_len)


def oracle_loss(logits, dec_target, pad_id: int):
    """The spec's own definition: F.cross_entropy with ignore_index on the flattened tensors."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), dec_target.reshape(-1),
                           ignore_index=pad_id)


def oracle_train_step(model, optimizer, src, tgt, pad_id: int,
                      teacher_forcing_ratio: float = 1.0) -> float:
    optimizer.zero_grad()
    loss = oracle_loss(model(src, tgt[:, :-1], teacher_forcing_ratio), tgt[:, 1:], pad_id)
    loss.backward()
    optimizer.step()
    return loss.item()


PUBLIC_ORACLE = SimpleNamespace(Seq2Seq=OracleSeq2Seq, sequence_loss=oracle_loss,
                                train_step=oracle_train_step)
