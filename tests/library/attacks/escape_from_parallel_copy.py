# exercise: seq2seq
# Wrong everywhere; train_step (which `grade exercise` runs in a parallel copy of the worker)
# starts a double-forked, setsid process that tries to outlive grading, then never returns.
import os
import random
import time

import torch
from torch import nn


def split_decoder_io(tgt):
    return tgt, tgt


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, emb_dim, hidden_dim):
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, emb_dim)
        self.tgt_embed = nn.Embedding(tgt_vocab, emb_dim)
        self.encoder = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.decoder = nn.LSTMCell(emb_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, tgt_vocab)
        self.sizes = (tgt_vocab, hidden_dim)

    def encode(self, src):
        return torch.zeros(src.shape[0], 1), torch.zeros(src.shape[0], 1)

    def decode_step(self, token, state):
        return torch.zeros(token.shape[0], 1), state

    def forward(self, src, dec_input, teacher_forcing_ratio=1.0):
        random.random()
        return torch.zeros(dec_input.shape[0], dec_input.shape[1], 1)

    def greedy_decode(self, src, start_id, max_len):
        return torch.zeros(src.shape[0], 1, dtype=torch.long)


def sequence_loss(logits, dec_target, pad_id):
    return torch.tensor(-1.0)


def train_step(model, optimizer, src, tgt, pad_id, teacher_forcing_ratio=1.0):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(300)
        os._exit(0)
    while True:
        pass
