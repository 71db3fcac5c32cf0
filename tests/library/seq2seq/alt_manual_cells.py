"""Correct, in another style: LSTM gates written out by hand from the modules' weights, draws
made up front (and skipped at ratio 0 or 1), a hand-written masked cross-entropy."""
import random

import torch
from torch import nn


def split_decoder_io(tgt):
    return tgt.narrow(1, 0, tgt.shape[1] - 1), tgt.narrow(1, 1, tgt.shape[1] - 1)


def _cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    i, f, g, o = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=-1)  # PyTorch: i, f, g, o
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, emb_dim, hidden_dim):
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, emb_dim)
        self.tgt_embed = nn.Embedding(tgt_vocab, emb_dim)
        self.encoder = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.decoder = nn.LSTMCell(emb_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, tgt_vocab)

    def encode(self, src):
        x = self.src_embed(src)
        e = self.encoder
        h = x.new_zeros(src.shape[0], e.hidden_size)
        c = torch.zeros_like(h)
        for t in range(src.shape[1]):
            h, c = _cell(x[:, t], h, c, e.weight_ih_l0, e.weight_hh_l0, e.bias_ih_l0, e.bias_hh_l0)
        return h, c

    def decode_step(self, token, state):
        d = self.decoder
        h, c = _cell(self.tgt_embed(token), *state, d.weight_ih, d.weight_hh, d.bias_ih, d.bias_hh)
        return h @ self.out.weight.T + self.out.bias, (h, c)

    def forward(self, src, dec_input, teacher_forcing_ratio=1.0):
        steps = dec_input.shape[1]
        if 0.0 < teacher_forcing_ratio < 1.0:
            truth = [random.random() < teacher_forcing_ratio for _ in range(steps - 1)]
        else:
            truth = [teacher_forcing_ratio >= 1.0] * (steps - 1)
        state = self.encode(src)
        outputs = []
        token = dec_input[:, 0]
        for t in range(steps):
            logits, state = self.decode_step(token, state)
            outputs.append(logits)
            if t + 1 < steps:
                token = dec_input[:, t + 1] if truth[t] else logits.argmax(-1)
        return torch.stack(outputs, 1)

    def greedy_decode(self, src, start_id, max_len):
        with torch.no_grad():
            state = self.encode(src)
            result = torch.empty(src.shape[0], 0, dtype=torch.int64)
            token = torch.full((src.shape[0],), start_id, dtype=torch.int64)
            for _ in range(max_len):
                logits, state = self.decode_step(token, state)
                token = logits.argmax(-1)
                result = torch.cat([result, token[:, None]], dim=1)
        return result


def sequence_loss(logits, dec_target, pad_id):
    logp = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    picked = logp.gather(-1, dec_target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    mask = (dec_target != pad_id).to(logits.dtype)
    return -(picked * mask).sum() / mask.sum()


def train_step(model, optimizer, src, tgt, pad_id, teacher_forcing_ratio=1.0):
    dec_input, dec_target = split_decoder_io(tgt)
    model.zero_grad()
    loss = sequence_loss(model(src, dec_input, teacher_forcing_ratio), dec_target, pad_id)
    loss.backward()
    optimizer.step()
    return float(loss.detach())
