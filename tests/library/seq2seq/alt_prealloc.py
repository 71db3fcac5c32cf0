"""Correct (from a blind review): preallocated logits tensor filled step by step; branches for ratio 0 and 1 that skip the
draws (allowed); torch.cross_entropy on (N, V, T) layout; int64 output buffer for greedy."""

import random

import torch
import torch.nn.functional as F
from torch import nn


def split_decoder_io(tgt):
    return tgt[:, :tgt.size(1) - 1].clone(), tgt[:, 1:].clone()


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
        _, (h, c) = self.encoder(self.src_embed(src))
        return h.reshape(h.shape[-2], h.shape[-1]), c.reshape(c.shape[-2], c.shape[-1])

    def decode_step(self, token, state):
        h, c = state
        h, c = self.decoder(self.tgt_embed(token), (h, c))
        return self.out(h), (h, c)

    def forward(self, src, dec_input, teacher_forcing_ratio=1.0):
        N, T = dec_input.shape
        h, c = self.encode(src)
        V = self.out.out_features
        logits = self.out.weight.new_zeros(N, T, V)
        if teacher_forcing_ratio >= 1.0:
            mode = "truth"
        elif teacher_forcing_ratio <= 0.0:
            mode = "pred"
        else:
            mode = "coin"
        token = dec_input[:, 0]
        for t in range(T):
            if t > 0:
                if mode == "truth":
                    feed_truth = True
                elif mode == "pred":
                    feed_truth = False
                else:
                    feed_truth = random.random() < teacher_forcing_ratio
                token = dec_input[:, t] if feed_truth else logits[:, t - 1].detach().argmax(dim=1)
            step_logits, (h, c) = self.decode_step(token, (h, c))
            logits[:, t] = step_logits
        return logits

    def greedy_decode(self, src, start_id, max_len):
        N = src.size(0)
        with torch.no_grad():
            h, c = self.encode(src)
            preds = torch.empty((N, max_len), dtype=torch.int64, device=src.device)
            token = torch.full((N,), start_id, dtype=torch.int64, device=src.device)
            for t in range(max_len):
                step_logits, (h, c) = self.decode_step(token, (h, c))
                token = step_logits.argmax(dim=1)
                preds[:, t] = token
        return preds


def sequence_loss(logits, dec_target, pad_id):
    # cross_entropy accepts (N, C, d1) inputs with (N, d1) targets
    return F.cross_entropy(logits.permute(0, 2, 1), dec_target, ignore_index=pad_id)


def train_step(model, optimizer, src, tgt, pad_id, teacher_forcing_ratio=1.0):
    dec_input, dec_target = split_decoder_io(tgt)
    optimizer.zero_grad()
    predictions = model(src, dec_input, teacher_forcing_ratio)
    loss = sequence_loss(predictions, dec_target, pad_id)
    loss.backward()
    optimizer.step()
    return float(loss.item())
