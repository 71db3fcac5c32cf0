"""Correct (from a blind review): LSTM-cell math written by hand from the LSTMCell's weights (PyTorch gate order i, f, g, o);
embeddings and input projections computed for all steps at once when the ratio is 1.0; flatten; topk."""

import random

import torch
import torch.nn.functional as F
from torch import nn


def split_decoder_io(tgt):
    dec_input = tgt[:, :-1]
    dec_target = tgt[:, 1:]
    return dec_input, dec_target


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
        return h[-1], c[-1]

    def _cell(self, x_proj, state):
        h, c = state
        gates = x_proj + F.linear(h, self.decoder.weight_hh, self.decoder.bias_hh)
        i, f, g, o = gates.chunk(4, dim=-1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c_new = f * c + i * g
        h_new = o * torch.tanh(c_new)
        return h_new, c_new

    def decode_step(self, token, state):
        x = self.tgt_embed(token)
        x_proj = F.linear(x, self.decoder.weight_ih, self.decoder.bias_ih)
        h, c = self._cell(x_proj, state)
        return self.out(h), (h, c)

    def forward(self, src, dec_input, teacher_forcing_ratio=1.0):
        state = self.encode(src)
        T = dec_input.shape[1]
        if teacher_forcing_ratio >= 1.0:
            # pure teacher forcing: every input is known, so embed and project them all at once
            x_proj = F.linear(self.tgt_embed(dec_input), self.decoder.weight_ih, self.decoder.bias_ih)
            hs = []
            for t in range(T):
                state = self._cell(x_proj[:, t], state)
                hs.append(state[0])
            return self.out(torch.stack(hs, dim=1))
        logits_list = []
        token = dec_input[:, 0]
        for t in range(T):
            logits, state = self.decode_step(token, state)
            logits_list.append(logits)
            if t < T - 1:
                teacher = random.random() < teacher_forcing_ratio
                token = dec_input[:, t + 1] if teacher else logits.topk(1, dim=-1).indices.squeeze(-1)
        return torch.stack(logits_list, dim=1)

    def greedy_decode(self, src, start_id, max_len):
        N = src.shape[0]
        out = torch.zeros(N, max_len, dtype=torch.long, device=src.device)
        with torch.no_grad():
            state = self.encode(src)
            token = out.new_full((N,), start_id)
            for t in range(max_len):
                logits, state = self.decode_step(token, state)
                token = logits.topk(1, dim=-1).indices.squeeze(-1)
                out[:, t] = token
        return out


def sequence_loss(logits, dec_target, pad_id):
    return F.cross_entropy(logits.flatten(0, 1), dec_target.flatten(), ignore_index=pad_id)


def train_step(model, optimizer, src, tgt, pad_id, teacher_forcing_ratio=1.0):
    dec_input, dec_target = split_decoder_io(tgt)
    optimizer.zero_grad(set_to_none=True)
    loss = sequence_loss(model(src, dec_input, teacher_forcing_ratio), dec_target, pad_id)
    loss.backward()
    optimizer.step()
    return loss.detach().item()
