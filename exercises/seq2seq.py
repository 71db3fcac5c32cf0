"""연습 문제: 교사 강요로 학습하는 seq2seq 인코더-디코더 / Exercise: an encoder-decoder with teacher forcing.

PyTorch 를 사용합니다. Uses PyTorch.
채점 / Grade it:  grade exercise seq2seq

형상 기호 / Shape symbols: N 배치 / batch, S 입력 길이 / source length, T 디코더 단계 수 /
decoder steps, E 임베딩 차원 / embedding size, H 은닉 차원 / hidden size, V 출력 어휘 크기 /
target vocabulary size. 토큰은 int64 텐서입니다 / tokens are int64 tensors.
"""

import random

import torch
import torch.nn.functional as F
from torch import nn


def split_decoder_io(tgt):
    """목표 시퀀스를 디코더 입력과 정답으로 나눕니다: (tgt[:, :-1], tgt[:, 1:]).

    - tgt: (N, T+1) 토큰, 맨 앞은 시작 토큰 <sos>. 예: [<sos>, a, b, c].
    - 디코더는 시점 t 에서 토큰 t 를 읽고 토큰 t+1 을 맞혀야 합니다. 그래서
      dec_input  = [<sos>, a, b]   (마지막 토큰 제외)
      dec_target = [a, b, c]       (첫 토큰 제외)
      처럼 한 칸 어긋나 있어야 합니다. 두 개가 같으면 모델은 "방금 본 토큰을 따라 말하기"만
      배웁니다. 자르는 축은 시간 축(1)이지 배치 축(0)이 아닙니다.

    Split a target sequence into the decoder's input and its target: (tgt[:, :-1], tgt[:, 1:]).

    - tgt: (N, T+1) tokens starting with the start token <sos>, e.g. [<sos>, a, b, c].
    - At step t the decoder reads token t and must predict token t+1, so the two are shifted by
      one: dec_input = [<sos>, a, b] (drop the last), dec_target = [a, b, c] (drop the first).
      Unshifted, the model only learns to repeat the token it was just shown. Slice the time
      axis (1), not the batch axis (0).

    >>> split_decoder_io(torch.tensor([[1, 5, 6, 7]]))
    (tensor([[1, 5, 6]]), tensor([[5, 6, 7]]))
    """
    raise NotImplementedError


class Seq2Seq(nn.Module):
    """LSTM 인코더가 입력을 (h, c) 문맥으로 압축하고, LSTMCell 디코더가 그 상태에서 출발해
    한 토큰씩 생성합니다 (인코더와 디코더는 파라미터를 공유하지 않습니다).

    An LSTM encoder compresses the source into its final (h, c); an LSTMCell decoder starts from
    that state and produces one token per step (the two share no parameters).
    """

    def __init__(self, src_vocab, tgt_vocab, emb_dim, hidden_dim):
        # 주어진 코드입니다: 바꾸지 마세요. Given: do not change.
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, emb_dim)
        self.tgt_embed = nn.Embedding(tgt_vocab, emb_dim)
        self.encoder = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.decoder = nn.LSTMCell(emb_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, tgt_vocab)

    def encode(self, src):
        """입력 src (N, S) 를 임베딩하고 인코더 LSTM 을 돌려 마지막 상태 (h, c) 를 반환합니다.

        - 각각 (N, H). nn.LSTM 은 (output, (h_n, c_n)) 을 돌려주는데 h_n, c_n 의 형상은
          (num_layers=1, N, H) 입니다: 층 축을 없애세요. 순서는 (h, c) 입니다.
        - batch_first=True 이므로 src 를 전치하지 마세요.

        Embed src (N, S), run the encoder LSTM and return its final states (h, c), each (N, H).

        - nn.LSTM returns (output, (h_n, c_n)) where h_n and c_n are (num_layers=1, N, H): drop
          the layer axis. The order is (h, c).
        - The encoder is batch_first, so do not transpose src.
        """
        raise NotImplementedError

    def decode_step(self, token, state):
        """디코더 한 단계: token (N,) 을 임베딩하고, state = (h, c) 에서 LSTMCell 을 한 번 돌린 뒤
        새 h 를 self.out 으로 사영해 로짓 (N, V) 을 얻습니다. (logits, (h_new, c_new)) 반환.

        로짓은 셀 상태 c 가 아니라 은닉 상태 h 에서 나옵니다. 새 상태를 반환해야 다음 단계가
        이어집니다.

        One decoder step: embed token (N,), run the LSTMCell once from state = (h, c) and project
        the new h with self.out to logits (N, V). Return (logits, (h_new, c_new)).
        Logits come from the hidden state h, not the cell state c; return the new state so the
        next step continues from it.
        """
        raise NotImplementedError

    def forward(self, src, dec_input, teacher_forcing_ratio=1.0):
        """교사 강요 비율을 적용해 디코더를 T = dec_input.shape[1] 단계 돌리고 로짓 (N, T, V) 반환.

        - 디코더의 초기 상태는 encode(src) 의 (h, c) 입니다 (0 이 아님).
        - 0 단계: dec_input[:, 0] (시작 토큰) 을 넣습니다. 여기서는 난수를 뽑지 않습니다.
        - t >= 1 단계: 파이썬 random.random() 을 배치 전체에 대해 한 번 뽑아
          값 < teacher_forcing_ratio 이면 정답 dec_input[:, t] 를,
          아니면 바로 앞 단계(t-1) 로짓의 argmax (어휘 축) 를 넣습니다.
          비율 1.0 이면 항상 정답, 0.0 이면 dec_input[:, 1:] 은 전혀 쓰이지 않습니다.
          0 < 비율 < 1 이면 t >= 1 인 단계마다 정확히 한 번, 단계 순서대로 뽑아야 합니다
          (비율 0.0, 1.0 에서는 뽑지 않아도 됩니다).
        - 역전파가 인코더까지 가야 하므로 상태를 detach 하지 마세요.

        Run the decoder for T = dec_input.shape[1] steps and return logits (N, T, V).

        - The decoder starts from encode(src)'s (h, c), not from zeros.
        - Step 0 feeds dec_input[:, 0] (the start token); no draw there.
        - Step t >= 1: draw random.random() (Python's random module) once for the whole batch;
          if it is < teacher_forcing_ratio feed the ground truth dec_input[:, t], otherwise the
          argmax (over the vocabulary) of step t-1's logits. Ratio 1.0 always feeds the truth;
          0.0 never uses dec_input[:, 1:]. With 0 < ratio < 1 draw exactly once per step t >= 1,
          in step order (at 0.0 and 1.0 you may skip the draws).
        - Gradients must reach the encoder: do not detach the state.
        """
        raise NotImplementedError

    def greedy_decode(self, src, start_id, max_len):
        """테스트 시 탐욕적 디코딩: 시작 토큰에서 출발해 매 단계 앞 예측(argmax)을 다시 넣습니다.

        - 반환: 시작 토큰 다음의 예측 토큰들, int64 텐서 (N, max_len). 시작 토큰은 포함하지
          않습니다. max_len 이 0 이면 (N, 0).
        - argmax 는 어휘 축(마지막 축)에서, 시퀀스마다 하나씩.
        - 기울기가 필요 없습니다 (torch.no_grad()).

        Greedy decoding at test time: start from start_id and feed back each step's argmax.

        - Return the predicted tokens after the start token as an int64 tensor (N, max_len); the
          start token itself is not included. max_len 0 gives (N, 0).
        - Take the argmax over the vocabulary (last) axis: one token per sequence.
        - No gradient is needed (torch.no_grad()).
        """
        raise NotImplementedError


def sequence_loss(logits, dec_target, pad_id):
    """패딩이 아닌 위치에서의 평균 교차 엔트로피 (스칼라 텐서).

    - logits (N, T, V), dec_target (N, T). 정답이 pad_id 인 위치는 빼고 평균합니다:
      F.cross_entropy(logits 를 (N*T, V) 로, dec_target 을 (N*T,) 로, ignore_index=pad_id).
    - 합이 아니라 평균이며, 분모는 패딩이 아닌 토큰 수입니다 (N 도 N*T 도 아님).

    Mean cross-entropy over the positions whose target is not pad_id, as a scalar tensor:
    F.cross_entropy on logits flattened to (N*T, V) and dec_target to (N*T,), with
    ignore_index=pad_id. A mean, not a sum; the divisor is the number of non-padding tokens
    (neither N nor N*T).
    """
    raise NotImplementedError


def train_step(model, optimizer, src, tgt, pad_id, teacher_forcing_ratio=1.0):
    """한 번의 학습 단계. 순서: split_decoder_io(tgt) -> optimizer.zero_grad() ->
    model(src, dec_input, teacher_forcing_ratio) -> sequence_loss(..., dec_target, pad_id) ->
    backward() -> optimizer.step(). 갱신 전의 손실을 파이썬 float 로 반환합니다 (loss.item()).

    zero_grad 를 빼먹으면 이전 단계의 기울기가 계속 더해집니다.

    One training step: split_decoder_io(tgt) -> optimizer.zero_grad() ->
    model(src, dec_input, teacher_forcing_ratio) -> sequence_loss(..., dec_target, pad_id) ->
    backward() -> optimizer.step(). Return the loss measured before the step as a Python float
    (loss.item()). Without zero_grad the gradients of earlier steps keep adding up.
    """
    raise NotImplementedError
