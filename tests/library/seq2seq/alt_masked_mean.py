"""Correct, in another style: per-token losses averaged over a boolean mask, a draw at every
step t >= 1 whatever the ratio, greedy decoding into a preallocated LongTensor with
set_grad_enabled, zero_grad(set_to_none=False) and the loss read before backward()."""
import random

import torch
import torch.nn.functional as F
from torch import nn


def split_decoder_io(tgt):
    return (tgt[:, :-1], tgt[:, 1:])


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, emb_dim, hidden_dim):
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, emb_dim)
        self.tgt_embed = nn.Embedding(tgt_vocab, emb_dim)
        self.encoder = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.decoder = nn.LSTMCell(emb_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, tgt_vocab)

    def encode(self, src):
        _, state = self.encoder(self.src_embed(src))
        return tuple(s.squeeze(0) for s in state)

    def decode_step(self, token, state):
        new_state = self.decoder(self.tgt_embed(token), tuple(state))
        return self.out(new_state[0]), new_state

    def forward(self, src, dec_input, teacher_forcing_ratio=1.0):
        h, c = self.encode(src)
        all_logits = []
        prediction = None
        for t in range(dec_input.size(1)):
            if t == 0:
                inp = dec_input[:, 0]
            elif random.random() < teacher_forcing_ratio:
                inp = dec_input[:, t]
            else:
                inp = prediction
            logits, (h, c) = self.decode_step(inp, (h, c))
            prediction = logits.argmax(dim=1)
            all_logits.append(logits.unsqueeze(1))
        return torch.cat(all_logits, dim=1)

    def greedy_decode(self, src, start_id, max_len):
        was_enabled = torch.is_grad_enabled()
        torch.set_grad_enabled(False)
        try:
            state = self.encode(src)
            out = torch.empty((src.size(0), max_len), dtype=torch.long)
            inp = torch.tensor([start_id] * src.size(0))
            for t in range(max_len):
                logits, state = self.decode_step(inp, state)
                inp = out[:, t] = logits.argmax(dim=-1)
            return out
        finally:
            torch.set_grad_enabled(was_enabled)


def sequence_loss(logits, dec_target, pad_id):
    per_token = F.cross_entropy(logits.transpose(1, 2), dec_target, reduction="none")  # (N, T)
    mask = dec_target != pad_id
    return per_token[mask].mean()


def train_step(model, optimizer, src, tgt, pad_id, teacher_forcing_ratio=1.0):
    dec_input, dec_target = split_decoder_io(tgt)
    optimizer.zero_grad(set_to_none=False)
    loss = sequence_loss(model(src, dec_input, teacher_forcing_ratio), dec_target, pad_id)
    value = loss.item()
    loss.backward()
    optimizer.step()
    return value
