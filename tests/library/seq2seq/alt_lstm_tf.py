"""Correct (from a blind review): with ratio 1.0 the whole teacher-forced decoder pass runs as one nn.LSTM call that borrows
the LSTMCell's weights (torch.func.functional_call on a weightless 'meta' LSTM); otherwise an LSTMCell
loop. random.uniform(0, 1) as the coin (same draw as random.random())."""

import random

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call


def split_decoder_io(tgt):
    return tgt[..., :-1], tgt[..., 1:]


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
        output, (h_n, c_n) = self.encoder(self.src_embed(src))
        # one layer, unidirectional: the last output is h_n
        return output[:, -1, :], c_n[0]

    def decode_step(self, token, state):
        h, c = self.decoder(self.tgt_embed(token), state)
        return self.out(h), (h, c)

    def _teacher_forced(self, dec_input, state):
        E, H = self.decoder.input_size, self.decoder.hidden_size
        lstm = nn.LSTM(E, H, batch_first=True, device="meta")
        params = {
            "weight_ih_l0": self.decoder.weight_ih,
            "weight_hh_l0": self.decoder.weight_hh,
            "bias_ih_l0": self.decoder.bias_ih,
            "bias_hh_l0": self.decoder.bias_hh,
        }
        h0, c0 = state
        hs, _ = functional_call(lstm, params, (self.tgt_embed(dec_input), (h0.unsqueeze(0), c0.unsqueeze(0))))
        return self.out(hs)

    def forward(self, src, dec_input, teacher_forcing_ratio=1.0):
        state = self.encode(src)
        if teacher_forcing_ratio == 1.0:
            return self._teacher_forced(dec_input, state)
        T = dec_input.shape[1]
        logits_seq = []
        prev = None
        for t in range(T):
            if t == 0:
                token = dec_input[:, 0]
            elif random.uniform(0, 1) < teacher_forcing_ratio:
                token = dec_input[:, t]
            else:
                token = torch.argmax(prev, dim=1)
            prev, state = self.decode_step(token, state)
            logits_seq.append(prev)
        return torch.stack(logits_seq, 1)

    def greedy_decode(self, src, start_id, max_len):
        with torch.no_grad():
            state = self.encode(src)
            token = src.new_full((src.shape[0],), start_id, dtype=torch.long)
            tokens = []
            for _ in range(max_len):
                logits, state = self.decode_step(token, state)
                token = torch.argmax(logits, dim=-1)
                tokens.append(token.unsqueeze(1))
            return torch.cat(tokens, dim=1) if tokens else src.new_zeros((src.shape[0], 0), dtype=torch.long)


def sequence_loss(logits, dec_target, pad_id):
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), dec_target.reshape(-1),
                           ignore_index=pad_id, reduction="mean")


def train_step(model, optimizer, src, tgt, pad_id, teacher_forcing_ratio=1.0):
    dec_input, dec_target = split_decoder_io(tgt)
    optimizer.zero_grad()
    logits = model(src, dec_input, teacher_forcing_ratio=teacher_forcing_ratio)
    loss = sequence_loss(logits, dec_target, pad_id)
    value = loss.item()
    loss.backward()
    optimizer.step()
    return value
