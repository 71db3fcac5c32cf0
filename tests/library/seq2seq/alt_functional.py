"""Correct, in another style: embeddings looked up for all steps at once, outputs written into a
preallocated tensor, torch.where to pick the fed token, log_softmax + nll_loss, inference_mode."""
import random

import torch
import torch.nn.functional as F
from torch import nn


def split_decoder_io(tgt):
    dec_input = tgt[:, :-1].clone()
    dec_target = tgt[:, 1:].clone()
    return dec_input, dec_target


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, emb_dim, hidden_dim):
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, emb_dim)
        self.tgt_embed = nn.Embedding(tgt_vocab, emb_dim)
        self.encoder = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.decoder = nn.LSTMCell(emb_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, tgt_vocab)

    def encode(self, src):
        outputs, (_, c_n) = self.encoder(self.src_embed(src))
        return outputs[:, -1], c_n.squeeze(0)  # the last output is h_n for one layer

    def decode_step(self, token, state):
        h, c = self.decoder(F.embedding(token, self.tgt_embed.weight), state)
        return F.linear(h, self.out.weight, self.out.bias), (h, c)

    def forward(self, src, dec_input, teacher_forcing_ratio=1.0):
        n, steps = dec_input.shape
        state = self.encode(src)
        result = None
        token = dec_input[:, 0]
        for t in range(steps):
            if t:
                coin = random.random() if 0 < teacher_forcing_ratio < 1 else 0.5
                use_truth = torch.tensor(coin < teacher_forcing_ratio)
                token = torch.where(use_truth, dec_input[:, t], result[:, t - 1].argmax(1))
            logits, state = self.decode_step(token, state)
            if result is None:
                result = logits.new_zeros(n, steps, logits.shape[-1])
            result = result.index_copy(1, torch.tensor([t]), logits.unsqueeze(1))
        return result

    @torch.inference_mode()
    def greedy_decode(self, src, start_id, max_len):
        h, c = self.encode(src)
        tokens = []
        prev = src.new_full((src.shape[0],), start_id)
        while len(tokens) < max_len:
            logits, (h, c) = self.decode_step(prev, (h, c))
            prev = torch.max(logits, dim=1).indices
            tokens.append(prev)
        if not tokens:
            return src.new_zeros((src.shape[0], 0))
        return torch.stack(tokens).T.contiguous()


def sequence_loss(logits, dec_target, pad_id):
    log_probs = F.log_softmax(logits, dim=-1).flatten(0, 1)
    return F.nll_loss(log_probs, dec_target.flatten(), ignore_index=pad_id)


def train_step(model, optimizer, src, tgt, pad_id, teacher_forcing_ratio=1.0):
    optimizer.zero_grad(set_to_none=True)
    dec_input, dec_target = split_decoder_io(tgt)
    logits = model.forward(src, dec_input, teacher_forcing_ratio=teacher_forcing_ratio)
    loss = sequence_loss(logits, dec_target, pad_id)
    loss.backward()
    optimizer.step()
    return loss.detach().item()
