"""Correct (from a blind review): one-hot NLL with boolean-index mean, teacher_forcing_ratio > random.random(),
zero_grad(set_to_none=True), int64 via .long(), list of tokens + torch.stack."""

import random

import torch
import torch.nn.functional as F
from torch import nn


def split_decoder_io(tgt):
    dec_input = tgt[:, 0:tgt.shape[1] - 1]
    dec_target = tgt[:, 1:tgt.shape[1]]
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
        emb = self.src_embed(src)
        _, state = self.encoder(emb)
        h, c = state
        return (h.view(h.shape[1], h.shape[2]), c.view(c.shape[1], c.shape[2]))

    def decode_step(self, token, state):
        new_state = self.decoder(self.tgt_embed(token), state)
        return self.out(new_state[0]), new_state

    def forward(self, src, dec_input, teacher_forcing_ratio=1.0):
        state = self.encode(src)
        logits_all = []
        x = dec_input[:, 0]
        for t in range(dec_input.shape[1]):
            if t > 0:
                use_teacher = teacher_forcing_ratio > random.random()
                x = dec_input[:, t] if use_teacher else logits_all[t - 1].argmax(-1)
            step_logits, state = self.decode_step(x, state)
            logits_all.append(step_logits)
        return torch.stack(logits_all, dim=1)

    def greedy_decode(self, src, start_id, max_len):
        with torch.no_grad():
            state = self.encode(src)
            x = torch.ones(src.shape[0], dtype=torch.long, device=src.device) * start_id
            ys = [torch.empty(src.shape[0], 0, dtype=torch.long, device=src.device)]
            for _ in range(max_len):
                step_logits, state = self.decode_step(x, state)
                x = step_logits.max(dim=-1)[1].long()
                ys.append(x[:, None])
            return torch.cat(ys, dim=1)


def sequence_loss(logits, dec_target, pad_id):
    V = logits.shape[-1]
    flat = logits.flatten(end_dim=-2)
    tgt = dec_target.flatten()
    keep = tgt != pad_id
    logp = torch.log_softmax(flat[keep], dim=-1)
    onehot = F.one_hot(tgt[keep], num_classes=V).to(logp.dtype)
    return -(onehot * logp).sum(dim=-1).mean()


def train_step(model, optimizer, src, tgt, pad_id, teacher_forcing_ratio=1.0):
    dec_input, dec_target = split_decoder_io(tgt)
    optimizer.zero_grad(set_to_none=True)
    logits = model.__call__(src, dec_input, teacher_forcing_ratio)
    loss = sequence_loss(logits, dec_target, pad_id)
    loss.backward()
    optimizer.step()
    return loss.item()
