"""Answer functions for parametrized questions (`type: param_numeric` with `answer_fn: <name>`).

A question's parameters are passed as keyword arguments, so a question using `conv_out_size`
declares params named H, K and optionally S, P, D (or maps its own names with `fn_args:`, see
docs/quiz-format.md). Keep these small, pure and integer-exact where the textbook answer is an
integer. `grade quiz check` calls every function over each question's whole parameter range.
"""

from __future__ import annotations

import math

from grader.quiz.functions import Registry

functions = Registry()


# --- CNN shapes and sizes ---------------------------------------------------------------------

@functions.register
def conv_out_size(H: int, K: int, S: int = 1, P: int = 0, D: int = 1) -> int:
    """Output height (or width) of a convolution: floor((H + 2P - D(K-1) - 1) / S) + 1."""
    return (H + 2 * P - D * (K - 1) - 1) // S + 1


@functions.register
def pool_out(H: int, K: int, S: int | None = None, P: int = 0) -> int:
    """Output size of max/avg pooling; the stride defaults to the window size."""
    stride = K if S is None else S
    return (H + 2 * P - K) // stride + 1


@functions.register
def same_padding(K: int) -> int:
    """Padding that keeps the size for stride 1 and an odd kernel: (K - 1) / 2."""
    return (K - 1) // 2


@functions.register
def conv_params(C_in: int, C_out: int, K: int, K_w: int | None = None, bias: int = 1) -> int:
    """Learnable parameters of a conv layer: C_in*K*K_w*C_out weights (+ C_out biases)."""
    kw = K if K_w is None else K_w
    return C_in * K * kw * C_out + (C_out if bias else 0)


@functions.register
def dense_params(n_in: int, n_out: int, bias: int = 1) -> int:
    """Learnable parameters of a fully connected layer: n_in*n_out weights (+ n_out biases)."""
    return n_in * n_out + (n_out if bias else 0)


@functions.register
def flatten_size(C: int, H: int, W: int) -> int:
    """Features per example after flattening (N, C, H, W) to (N, C*H*W)."""
    return C * H * W


# --- training loop arithmetic -----------------------------------------------------------------

@functions.register
def iters_per_epoch(N: int, B: int, drop_last: int = 0) -> int:
    """Mini-batch iterations in one pass over N examples with batch size B (last partial batch kept)."""
    return N // B if drop_last else math.ceil(N / B)


@functions.register
def epochs_from_iters(n_iters: int, N: int, B: int) -> float:
    """Epochs covered by n_iters iterations (an epoch = N / B iterations, as in DLFS)."""
    return n_iters / (N / B)


@functions.register
def sgd_step(w: float, lr: float, grad: float) -> float:
    """One plain gradient-descent update: w - lr * grad."""
    return w - lr * grad


@functions.register
def momentum_step(w: float, v: float, lr: float, grad: float, alpha: float = 0.9) -> float:
    """New weight after one Momentum step: v' = alpha*v - lr*grad; w' = w + v'."""
    return w + (alpha * v - lr * grad)


@functions.register
def he_std(n: int) -> float:
    """He initialization standard deviation for fan-in n: sqrt(2 / n)."""
    return math.sqrt(2 / n)


@functions.register
def xavier_std(n_in: int, n_out: int) -> float:
    """Glorot (Xavier) normal standard deviation: sqrt(2 / (n_in + n_out))."""
    return math.sqrt(2 / (n_in + n_out))


@functions.register
def xavier_std_fan_in(n: int) -> float:
    """The simplified fan-in form of Xavier used in DLFS: 1 / sqrt(n)."""
    return 1 / math.sqrt(n)


@functions.register
def inverted_dropout_scale(p: float) -> float:
    """Factor applied to kept activations in inverted dropout with drop probability p: 1 / (1 - p)."""
    return 1 / (1 - p)


# --- losses and softmax -----------------------------------------------------------------------

@functions.register
def cross_entropy_one_hot(p: float) -> float:
    """Cross-entropy for a one-hot target when the model gives the true class probability p: -ln p."""
    return -math.log(p)


@functions.register
def softmax2(a: float, b: float) -> float:
    """Softmax probability of the first of two logits: e^a / (e^a + e^b)."""
    m = max(a, b)  # subtract the max, as a stable softmax does
    return math.exp(a - m) / (math.exp(a - m) + math.exp(b - m))


# --- attention and transformers ---------------------------------------------------------------

@functions.register
def mha_head_dim(d_model: int, h: int) -> float:
    """Per-head dimension when d_model is split over h heads."""
    return d_model / h


@functions.register
def attention_scale(d_k: int) -> float:
    """The scaled dot-product divisor sqrt(d_k)."""
    return math.sqrt(d_k)


@functions.register
def mha_params(d_model: int, bias: int = 1) -> int:
    """Parameters of multi-head attention's four d_model x d_model projections (Q, K, V, O)."""
    return 4 * (d_model * d_model + (d_model if bias else 0))


@functions.register
def bert_masked_tokens(n: int) -> float:
    """Of n tokens, 15% are chosen and 80% of those become [MASK]: n * 0.15 * 0.8."""
    return n * 0.15 * 0.8


@functions.register
def bert_random_tokens(n: int) -> float:
    """Of n tokens, 15% are chosen and 10% of those get a random token: n * 0.15 * 0.1."""
    return n * 0.15 * 0.1


# --- recurrent networks -----------------------------------------------------------------------

@functions.register
def rnn_params(X: int, H: int, biases: int = 1) -> int:
    """Vanilla RNN: Wx (X*H) + Wh (H*H) + biases*H (PyTorch keeps two bias vectors, biases=2)."""
    return X * H + H * H + biases * H


@functions.register
def lstm_params(X: int, H: int, biases: int = 1) -> int:
    """LSTM: four gates, each with Wx (X*H), Wh (H*H) and biases*H."""
    return 4 * rnn_params(X, H, biases)


@functions.register
def gru_params(X: int, H: int, biases: int = 1) -> int:
    """GRU: three gate blocks, each with Wx (X*H), Wh (H*H) and biases*H."""
    return 3 * rnn_params(X, H, biases)


@functions.register
def power(base: float, n: int) -> float:
    """base ** n, e.g. how a gradient factor shrinks or grows over n time steps."""
    return base ** n
