"""Oracle for the transformer topic: the course notes' "Attention Is All You Need" formulas in torch ops.

Batch first, row vectors (a linear map is x W + b with W (n_in, n_out)). Where the notes are wrong the oracle
follows the corrected math (../shared/CONVENTIONS.md, sections 4 and 8): the causal mask is -inf where
j > i (the notes' matrix is anti-causal); an additive mask goes after the scaling, QK^T / sqrt(d_k) + M; the
encoder layer is post-LN (y = LN(x + MHA(x)), out = LN(y + FFN(y))); layer norm uses the biased variance and
eps; dropout's p is the drop probability; the Noam schedule counts steps from 1.

Only forward formulas live here; every gradient the grader expects comes from torch.autograd
(autograder/oracle.py). tests/test_reference_transformer.py checks each function against the torch built-in
(F.scaled_dot_product_attention, nn.MultiheadAttention, nn.LayerNorm, nn.TransformerEncoderLayer,
F.cross_entropy, LambdaLR, nn.Dropout) and with gradcheck.
"""
import math

import torch
from torch import nn

LN_EPS = 1e-5  # nn.LayerNorm's and nn.TransformerEncoderLayer's default
ATTENTION_PARAMS = ("W_Q", "W_K", "W_V", "W_O")
ENCODER_PARAMS = ATTENTION_PARAMS + ("gamma1", "beta1", "W1", "b1", "W2", "b2", "gamma2", "beta2")


def attention(Q, K, V, mask=None):
    """softmax(Q K^T / sqrt(d_k) + M) V over the last two axes; Q (..., Lq, d_k), K (..., Lk, d_k),
    V (..., Lk, d_v), M (Lq, Lk) additive or None. Returns (out (..., Lq, d_v), weights (..., Lq, Lk))."""
    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores + mask
    weights = torch.softmax(scores, dim=-1)
    return weights @ V, weights


def causal_mask(T):
    """(T, T): 0 where key j <= query i (the past and the present), -inf where j > i (the future)."""
    return torch.full((T, T), -math.inf).triu(1)


def split_heads(x, n_heads):
    """(B, L, h*d) -> (B, h, L, d): head i takes columns i*d:(i+1)*d."""
    B, L, hd = x.shape
    return x.reshape(B, L, n_heads, hd // n_heads).transpose(1, 2)


def merge_heads(x):
    """(B, h, L, d) -> (B, L, h*d): the heads' outputs concatenated in head order."""
    B, h, L, d = x.shape
    return x.transpose(1, 2).reshape(B, L, h * d)


def multi_head_attention(x_q, x_kv, W_Q, W_K, W_V, W_O, n_heads, mask=None):
    """Concat(head_1, ..., head_h) W_O with head_i = Attention(x_q W_Q^i, x_kv W_K^i, x_kv W_V^i).

    W_Q, W_K (d_model, h*d_k) and W_V (d_model, h*d_v) hold the heads' projections side by side (head i in
    columns i*d_k:(i+1)*d_k); W_O (h*d_v, d_model). x_q (B, Lq, d_model), x_kv (B, Lk, d_model).
    """
    Q, K, V = split_heads(x_q @ W_Q, n_heads), split_heads(x_kv @ W_K, n_heads), split_heads(x_kv @ W_V, n_heads)
    heads, _ = attention(Q, K, V, mask)
    return merge_heads(heads) @ W_O


def positional_encoding(T, d_model):
    """PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d_model)), (T, d_model)."""
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    column = torch.arange(d_model)
    angle = pos / 10000.0 ** ((column - column % 2) / d_model)
    return torch.where(column % 2 == 0, torch.sin(angle), torch.cos(angle))


def layer_norm(x, gamma, beta, eps=LN_EPS):
    """gamma (x - mu) / sqrt(var + eps) + beta, mu and the biased var over the last axis of x (..., D)."""
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return gamma * (x - mu) / torch.sqrt(var + eps) + beta


def relu(z):
    return torch.where(z > 0, z, torch.zeros_like(z))


def ffn(x, W1, b1, W2, b2):
    """max(0, x W1 + b1) W2 + b2 at every position; x (..., d_model), W1 (d_model, d_ff), W2 (d_ff, d_model)."""
    return relu(x @ W1 + b1) @ W2 + b2


def encoder_layer(x, W_Q, W_K, W_V, W_O, gamma1, beta1, W1, b1, W2, b2, gamma2, beta2, n_heads):
    """The post-LN encoder layer (the paper's; the notes' formula with its outer residual corrected):
    y = LN1(x + MHA(x, x, x)), out = LN2(y + FFN(y)), eps = 1e-5, no dropout."""
    y = layer_norm(x + multi_head_attention(x, x, W_Q, W_K, W_V, W_O, n_heads), gamma1, beta1)
    return layer_norm(y + ffn(y, W1, b1, W2, b2), gamma2, beta2)


def label_smoothing_cross_entropy(logits, y, epsilon):
    """-(1/N) sum_tokens sum_i q_i log p_i, p = softmax(logits), q_i = 1 - eps + eps/V at i = y, eps/V elsewhere.

    logits (..., V), y (...) int; the mean is over all N tokens (every position of every sequence).
    """
    V = logits.shape[-1]
    log_p = torch.log_softmax(logits, dim=-1)
    q = torch.full_like(log_p, epsilon / V).scatter(-1, y[..., None], 1 - epsilon + epsilon / V)
    return -(q * log_p).sum(dim=-1).mean()


def noam(step, d_model, warmup):
    """d_model^-0.5 * min(step^-0.5, step * warmup^-1.5), steps counted from 1 (tensor or number)."""
    step = torch.as_tensor(step, dtype=torch.float64)
    return d_model ** -0.5 * torch.minimum(step ** -0.5, step * warmup ** -1.5)


def dropout(x, keep, p):
    """Inverted dropout with a given keep mask (1 kept, 0 dropped): x * keep / (1 - p), p the drop probability."""
    return x * keep / (1 - p)


def encoder_layer_param_count(d_model, n_heads, d_ff, bias):
    """numel() of nn.TransformerEncoderLayer(d_model, n_heads, d_ff, bias=bias) (on the meta device)."""
    layer = nn.TransformerEncoderLayer(d_model, n_heads, d_ff, dropout=0.0, bias=bias, device="meta")
    return int(sum(p.numel() for p in layer.parameters()))
