# expect-fail: test_train_step
# expect-diagnosis: the parameters did not move
"""Mutant (from a blind review): optimizer.step() before loss.backward()"""

import random

import torch
import torch.nn.functional as F
from torch import nn


def split_decoder_io(tgt):
    return tgt[:, :-1], tgt[:, 1:]


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, emb_dim, hidden_dim):
        # 주어진 코드입니다: 바꾸지 마세요. Given: do not change.
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, emb_dim)
        self.tgt_embed = nn.Embedding(tgt_vocab, emb_dim)
        self.encoder = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.decoder = nn.LSTMCell(emb_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, tgt_vocab)

    def encode(self, src):
        _, (h_n, c_n) = self.encoder(self.src_embed(src))
        return h_n[0], c_n[0]

    def decode_step(self, token, state):
        h, c = self.decoder(self.tgt_embed(token), state)
        return self.out(h), (h, c)

    def forward(self, src, dec_input, teacher_forcing_ratio=1.0):
        state = self.encode(src)
        T = dec_input.shape[1]
        outputs = []
        token = dec_input[:, 0]
        for t in range(T):
            if t >= 1:
                if random.random() < teacher_forcing_ratio:
                    token = dec_input[:, t]
                else:
                    token = outputs[-1].argmax(dim=-1)
            logits, state = self.decode_step(token, state)
            outputs.append(logits)
        return torch.stack(outputs, dim=1)

    def greedy_decode(self, src, start_id, max_len):
        with torch.no_grad():
            state = self.encode(src)
            N = src.shape[0]
            token = torch.full((N,), start_id, dtype=torch.long, device=src.device)
            preds = []
            for _ in range(max_len):
                logits, state = self.decode_step(token, state)
                token = logits.argmax(dim=-1)
                preds.append(token)
            if not preds:
                return torch.zeros((N, 0), dtype=torch.long, device=src.device)
            return torch.stack(preds, dim=1)


def sequence_loss(logits, dec_target, pad_id):
    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), dec_target.reshape(-1), ignore_index=pad_id)


def train_step(model, optimizer, src, tgt, pad_id, teacher_forcing_ratio=1.0):
    dec_input, dec_target = split_decoder_io(tgt)
    optimizer.zero_grad()
    logits = model(src, dec_input, teacher_forcing_ratio)
    loss = sequence_loss(logits, dec_target, pad_id)
    optimizer.step()
    loss.backward()
    return loss.item()
