"""Mutant: train_step ignores teacher_forcing_ratio."""
# expect-fail: test_train_step_twice
# expect-diagnosis: the model ran with teacher_forcing_ratio 1.0

from __future__ import annotations

import random

import torch
import torch.nn.functional as F
from torch import nn


def split_decoder_io(tgt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # the decoder reads token t and must predict token t+1
    return tgt[:, :-1], tgt[:, 1:]


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, emb_dim, hidden_dim):
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, emb_dim)
        self.tgt_embed = nn.Embedding(tgt_vocab, emb_dim)
        self.encoder = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.decoder = nn.LSTMCell(emb_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, tgt_vocab)

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _, (h, c) = self.encoder(self.src_embed(src))  # h, c: (num_layers=1, N, H)
        return h[0], c[0]

    def decode_step(self, token: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
                    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        h, c = self.decoder(self.tgt_embed(token), state)
        return self.out(h), (h, c)  # logits come from h, never from the cell state c

    def forward(self, src: torch.Tensor, dec_input: torch.Tensor,
                teacher_forcing_ratio: float = 1.0) -> torch.Tensor:
        state = self.encode(src)  # the context: the encoder's final (h, c)
        steps: list[torch.Tensor] = []
        token = dec_input[:, 0]
        for t in range(dec_input.shape[1]):
            if t > 0:
                # one draw per step for the whole batch: truth with probability `ratio`
                use_truth = random.random() < teacher_forcing_ratio
                token = dec_input[:, t] if use_truth else steps[-1].argmax(dim=-1)
            logits, state = self.decode_step(token, state)
            steps.append(logits)
        return torch.stack(steps, dim=1)  # (N, T, V)

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, start_id: int, max_len: int) -> torch.Tensor:
        state = self.encode(src)
        token = torch.full((src.shape[0],), start_id, dtype=torch.long, device=src.device)
        out = torch.zeros((src.shape[0], max_len), dtype=torch.long, device=src.device)
        for t in range(max_len):
            logits, state = self.decode_step(token, state)
            token = logits.argmax(dim=-1)  # over the vocabulary, one token per sequence
            out[:, t] = token
        return out


def sequence_loss(logits: torch.Tensor, dec_target: torch.Tensor, pad_id: int) -> torch.Tensor:
    # mean of -log p(target) over the positions whose target is not padding
    vocab = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, vocab), dec_target.reshape(-1),
                           ignore_index=pad_id)


def train_step(model: Seq2Seq, optimizer: torch.optim.Optimizer, src: torch.Tensor,
               tgt: torch.Tensor, pad_id: int, teacher_forcing_ratio: float = 1.0) -> float:
    dec_input, dec_target = split_decoder_io(tgt)
    optimizer.zero_grad()  # otherwise gradients of earlier steps add up
    loss = sequence_loss(model(src, dec_input), dec_target, pad_id)
    loss.backward()
    optimizer.step()
    return loss.item()  # measured before the step changed the weights
