"""Correct alternative implementations of solutions/transformer.py, written in the styles real students use.

Each variant is a list of (old, new) edits for `conftest.mutate`; most replace the solution region of a function
(`replace`), found by name so the variants follow the solution's bodies. All are correct float64 code and must
earn full marks (tests/test_correct_variants.py). The list follows ../shared/INPUT-COVERAGE.md, "Correct variants
that must earn full marks": masks of -1e9 instead of -inf, Q scaled before the product, einsum, per-head loops,
softmax via log-sum-exp, the PE written as 10000 ** (-2i / d) in the notes' loop.
"""
from conftest import solution_source
from variants_cnn import body

SOURCE = solution_source("transformer")


def replace(function: str, code: str) -> tuple[str, str]:
    """(the solution region of `function` in solutions/transformer.py, the new body `code`)."""
    marker = "    ### BEGIN SOLUTION\n"
    begin = SOURCE.index(marker, SOURCE.index(f"\ndef {function}(")) + len(marker)
    return SOURCE[begin:SOURCE.index("    ### END SOLUTION\n", begin)], body(code)


VARIANTS: dict[str, list[tuple[str, str]]] = {
    # Masks of -1e9 instead of -inf: the causal mask, and attention that clips any mask at -1e9.
    "masks_minus_1e9": [
        replace("causal_mask", """
            i, j = np.indices((T, T))
            return np.where(j > i, -1e9, 0.0)
        """),
        replace("attention_forward", """
            scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
            if mask is not None:
                scores = scores + np.maximum(mask, -1e9)
            weights = _softmax(scores)
            return weights @ V, weights, (Q, K, V, weights)
        """),
    ],
    # Q scaled by 1/sqrt(d_k) before the product (huggingface/transformers#21627), and its backward.
    "q_scaled_first": [
        replace("attention_forward", """
            q = Q / np.sqrt(Q.shape[-1])
            scores = np.matmul(q, np.swapaxes(K, -1, -2))
            if mask is not None:
                scores = scores + mask
            weights = _softmax(scores)
            return np.matmul(weights, V), weights, (q, K, V, weights)
        """),
        replace("attention_backward", """
            q, K, V, weights = cache
            dV = np.matmul(np.swapaxes(weights, -1, -2), dout)
            dw = np.matmul(dout, np.swapaxes(V, -1, -2))
            ds = weights * dw - weights * np.sum(weights * dw, axis=-1, keepdims=True)
            dq = np.matmul(ds, K)
            dK = np.matmul(np.swapaxes(ds, -1, -2), q)
            return dq / np.sqrt(q.shape[-1]), dK, dV
        """),
    ],
    # Everything as einsum: attention, the projections and every weight gradient.
    "einsum": [
        replace("attention_forward", """
            scores = np.einsum("...qd,...kd->...qk", Q, K) / np.sqrt(Q.shape[-1])
            if mask is not None:
                scores = scores + mask
            weights = _softmax(scores)
            return np.einsum("...qk,...kv->...qv", weights, V), weights, (Q, K, V, weights)
        """),
        replace("attention_backward", """
            Q, K, V, weights = cache
            dV = np.einsum("...qk,...qv->...kv", weights, dout)
            dweights = np.einsum("...qv,...kv->...qk", dout, V)
            dscores = weights * (dweights - np.einsum("...qk,...qk->...q", weights, dweights)[..., None])
            dscores = dscores / np.sqrt(Q.shape[-1])
            return np.einsum("...qk,...kd->...qd", dscores, K), np.einsum("...qk,...qd->...kd", dscores, Q), dV
        """),
        replace("ffn_backward", """
            x, W1, W2, h, a = cache
            dW2 = np.einsum("btf,btd->fd", a, dout)
            dh = np.einsum("btd,fd->btf", dout, W2) * (h > 0)
            dW1 = np.einsum("btd,btf->df", x, dh)
            return np.einsum("btf,df->btd", dh, W1), dW1, dh.sum(axis=(0, 1)), dW2, dout.sum(axis=(0, 1))
        """),
        replace("layer_norm_backward", """
            xhat, gamma, inv_std = cache
            D = xhat.shape[-1]
            g = dout * gamma
            dx = inv_std / D * (D * g - g.sum(-1, keepdims=True) - xhat * np.einsum("btd,btd->bt", g, xhat)[..., None])
            return dx, np.einsum("btd,btd->d", dout, xhat), np.einsum("btd->d", dout)
        """),
    ],
    # Multi-head attention as a loop over heads, each head a slice of the weights and a 3-D attention call.
    "per_head_loops": [
        replace("mha_forward", """
            d_k, d_v = params["W_Q"].shape[1] // n_heads, params["W_V"].shape[1] // n_heads
            heads, caches = [], []
            for i in range(n_heads):
                q = x_q @ params["W_Q"][:, i * d_k:(i + 1) * d_k]
                k = x_kv @ params["W_K"][:, i * d_k:(i + 1) * d_k]
                v = x_kv @ params["W_V"][:, i * d_v:(i + 1) * d_v]
                out_i, _, cache_i = attention_forward(q, k, v, mask)
                heads.append(out_i)
                caches.append(cache_i)
            concat = np.concatenate(heads, axis=-1)
            return concat @ params["W_O"], (x_q, x_kv, params, n_heads, caches, concat)
        """),
        replace("mha_backward", """
            x_q, x_kv, params, n_heads, caches, concat = cache
            d_k, d_v = params["W_Q"].shape[1] // n_heads, params["W_V"].shape[1] // n_heads
            grads = {k: np.zeros_like(v) for k, v in params.items()}
            grads["W_O"] = np.tensordot(concat, dout, axes=([0, 1], [0, 1]))
            dconcat = dout @ params["W_O"].T
            dx_q, dx_kv = np.zeros_like(x_q), np.zeros_like(x_kv)
            for i in range(n_heads):
                cq, cv = slice(i * d_k, (i + 1) * d_k), slice(i * d_v, (i + 1) * d_v)
                dq, dk, dv = attention_backward(dconcat[..., cv], caches[i])
                grads["W_Q"][:, cq] = np.tensordot(x_q, dq, axes=([0, 1], [0, 1]))
                grads["W_K"][:, cq] = np.tensordot(x_kv, dk, axes=([0, 1], [0, 1]))
                grads["W_V"][:, cv] = np.tensordot(x_kv, dv, axes=([0, 1], [0, 1]))
                dx_q += dq @ params["W_Q"][:, cq].T
                dx_kv += dk @ params["W_K"][:, cq].T + dv @ params["W_V"][:, cv].T
            return dx_q, dx_kv, grads
        """),
    ],
    # Softmax and the label-smoothing loss through log-sum-exp; the loss as (1 - eps) NLL + eps * mean(-log p).
    "log_sum_exp": [
        ("    e = np.exp(z - z.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)",
         "    m = z.max(axis=-1, keepdims=True)\n    lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))\n"
         "    return np.exp(z - lse)"),
        replace("label_smoothing_loss", """
            B, T, V = logits.shape
            z = logits.reshape(-1, V)
            t = y.reshape(-1)
            m = z.max(axis=1, keepdims=True)
            log_p = z - (m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True)))
            nll = -log_p[np.arange(len(t)), t]
            smooth = -log_p.mean(axis=1)
            loss = np.mean((1 - epsilon) * nll + epsilon * smooth)
            q = np.full_like(z, epsilon / V)
            q[np.arange(len(t)), t] += 1 - epsilon
            return loss, ((np.exp(log_p) - q) / len(t)).reshape(B, T, V)
        """),
    ],
    # The notes' positional-encoding loop with 10000 ** (2i / d), pos and i one by one; the causal mask by loops.
    "notes_loops": [
        replace("positional_encoding", """
            PE = np.zeros((T, d_model))
            for pos in range(T):
                for i in range(0, d_model, 2):
                    PE[pos, i] = np.sin(pos / 10000 ** (i / d_model))
                    if i + 1 < d_model:
                        PE[pos, i + 1] = np.cos(pos / 10000 ** (i / d_model))
            return PE
        """),
        replace("causal_mask", """
            M = np.zeros((T, T))
            for i in range(T):
                for j in range(T):
                    if j > i:
                        M[i, j] = -np.inf
            return M
        """),
        replace("noam_lr", """
            return np.array([d_model ** -0.5 * min(s ** -0.5, s * warmup ** -1.5) for s in steps])
        """),
    ],
    # CS231n's layer norm: the long chain rule through the variance and the mean; the attention batch flattened.
    "chain_rule_and_flattened_batch": [
        replace("layer_norm_forward", """
            mu = np.mean(x, axis=-1, keepdims=True)
            xc = x - mu
            var = np.mean(xc ** 2, axis=-1, keepdims=True)
            std = np.sqrt(var + eps)
            xhat = xc / std
            return gamma * xhat + beta, (xc, std, gamma, xhat)
        """),
        replace("layer_norm_backward", """
            xc, std, gamma, xhat = cache
            D = xc.shape[-1]
            dxhat = dout * gamma
            dvar = np.sum(dxhat * xc, axis=-1, keepdims=True) * -0.5 * std ** -3
            dmu = np.sum(-dxhat / std, axis=-1, keepdims=True) + dvar * np.mean(-2 * xc, axis=-1, keepdims=True)
            dx = dxhat / std + dvar * 2 * xc / D + dmu / D
            axes = tuple(range(dout.ndim - 1))
            return dx, np.sum(dout * xhat, axis=axes), np.sum(dout, axis=axes)
        """),
        replace("attention_backward", """
            Q, K, V, weights = cache
            lead = Q.shape[:-2]
            q, k, v, w = (a.reshape(-1, *a.shape[-2:]) for a in (Q, K, V, weights))
            d = dout.reshape(-1, *dout.shape[-2:])
            dq, dk, dv = np.zeros_like(q), np.zeros_like(k), np.zeros_like(v)
            for n in range(q.shape[0]):
                dv[n] = w[n].T @ d[n]
                dw = d[n] @ v[n].T
                jac = np.einsum("ij,jk->ijk", w[n], np.eye(w.shape[-1])) - w[n][:, :, None] * w[n][:, None, :]
                ds = np.einsum("ijk,ik->ij", jac, dw) / np.sqrt(q.shape[-1])
                dq[n], dk[n] = ds @ k[n], ds.T @ q[n]
            return dq.reshape(Q.shape), dk.reshape(K.shape), dv.reshape(V.shape)
        """),
    ],
    # Dropout with a Generator and a boolean keep mask; the Noam schedule with np.where; the count module by module.
    "generator_where_and_modules": [
        replace("dropout_forward", """
            if train:
                keep = np.random.default_rng().random(x.shape) > p
                mask = keep.astype(np.float64) / (1 - p)
            else:
                mask = np.ones(x.shape)
            return mask * x, mask
        """),
        replace("noam_lr", """
            s = np.asarray(steps).astype(float)
            return np.where(s < warmup, s * warmup ** -1.5, s ** -0.5) / np.sqrt(d_model)
        """),
        replace("encoder_layer_param_count", """
            linears = [(d_model, d_model)] * 4 + [(d_model, d_ff), (d_ff, d_model)]
            count = sum(n_in * n_out + (n_out if bias else 0) for n_in, n_out in linears)
            return count + 2 * (2 * d_model if bias else d_model)
        """),
        replace("ffn_backward", """
            x, W1, W2, h, a = cache
            B, T, d_model = x.shape
            da = dout @ W2.T
            dh = da * (a > 0)
            flat_x, flat_a, flat_dh, flat_dout = (v.reshape(B * T, -1) for v in (x, a, dh, dout))
            return dh @ W1.T, flat_x.T @ flat_dh, flat_dh.sum(0), flat_a.T @ flat_dout, flat_dout.sum(0)
        """),
    ],
    # The encoder layer's backward with the residual gradients added in another order, and a tril causal mask.
    "residuals_first": [
        replace("encoder_layer_backward", """
            attention_cache, norm1, ffn_cache, norm2 = cache
            ds, dgamma2, dbeta2 = layer_norm_backward(dout, norm2)
            dy_ffn, dW1, db1, dW2, db2 = ffn_backward(ds, ffn_cache)
            dy = ds + dy_ffn
            dr, dgamma1, dbeta1 = layer_norm_backward(dy, norm1)
            dq, dkv, g = mha_backward(dr, attention_cache)
            dx = dq + dkv + dr
            return dx, dict(g, gamma1=dgamma1, beta1=dbeta1, W1=dW1, b1=db1, W2=dW2, b2=db2, gamma2=dgamma2,
                            beta2=dbeta2)
        """),
        replace("causal_mask", """
            return np.where(np.tril(np.ones((T, T))) == 1, 0.0, -np.inf)
        """),
    ],
}
