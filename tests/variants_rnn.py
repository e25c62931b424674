"""Correct alternative implementations of solutions/rnn.py, written in the styles real students use.

Each variant is a list of (old, new) edits for `conftest.mutate`; every `old` is the solution region of one
function of solutions/rnn.py (found by `region`). All of them are correct float64 code and must earn full
marks (tests/test_correct_variants.py): CS231n-style loops over time with a cache per step, einsum, the LSTM's
and GRU's gates computed one by one from slices of W versus one stacked product, W split into its h and x rows
instead of concatenating [h, x], sigmoid through tanh, metrics from confusion counts, and a training loop that
writes its own forward and backward pass. Clipping without torch's + 1e-6 is correct too but differs from the
oracle by a relative 1e-7, more than test_correct_variants allows any variant: tests/test_reference_rnn.py
grades it on its own.
"""
from conftest import solution_source
from variants_cnn import body

SOURCE = solution_source("rnn")


def region(function: str) -> str:
    """The text between `### BEGIN SOLUTION` and `### END SOLUTION` in `function` of solutions/rnn.py."""
    start = SOURCE.index(f"\ndef {function}(")
    begin = SOURCE.index("    ### BEGIN SOLUTION\n", start) + len("    ### BEGIN SOLUTION\n")
    return SOURCE[begin:SOURCE.index("    ### END SOLUTION\n", begin)]


def replace(function: str, code: str) -> tuple[str, str]:
    return region(function), body(code)


CLIP_WITHOUT_EPS = [replace("clip_grad_norm", """
    total = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    scale = max_norm / total if total > max_norm else 1.0
    return {k: g * scale for k, g in grads.items()}, total
""")]

# Sequence forward passes that do each step inline, the gates in one preallocated array, and the GRU written as
# h + z (h~ - h); the variants that change a step cache use them too.
INLINE_LSTM_FORWARD = replace("lstm_forward", """
            N, T, D = x.shape
            H = h0.shape[1]
            h, c = np.zeros((N, T, H)), np.zeros((N, T, H))
            gates = np.zeros((4, N, T, H))
            h_t, c_t = h0, c0
            for t in range(T):
                a = np.concatenate([h_t, x[:, t]], axis=1) @ W + b
                a = a.reshape(N, 4, H).transpose(1, 0, 2)
                gates[:, :, t] = 1 / (1 + np.exp(-np.clip(a, -500, 500)))
                gates[2, :, t] = np.tanh(a[2])
                f, i, g, o = gates[:, :, t]
                c_t = f * c_t + i * g
                h_t = o * np.tanh(c_t)
                h[:, t], c[:, t] = h_t, c_t
            cache = {"x": x, "h0": h0, "c0": c0, "W": W, "b": b, "h": h, "c": c}
            cache.update(zip(("f", "i", "g", "o"), gates))
            return h, c, cache
        """)
INLINE_GRU_FORWARD = replace("gru_forward", """
            N, T, D = x.shape
            H = h0.shape[1]
            out = {k: np.zeros((N, T, H)) for k in ("h", "r", "z", "h_tilde")}
            h_t = h0
            for t in range(T):
                rz = 1 / (1 + np.exp(-np.clip(np.hstack([h_t, x[:, t]]) @ W[:, :2 * H] + b[:2 * H], -500, 500)))
                r, z = np.split(rz, 2, axis=1)
                cand = np.tanh(np.hstack([r * h_t, x[:, t]]) @ W[:, 2 * H:] + b[2 * H:])
                h_t = h_t + z * (cand - h_t)
                for k, v in zip(("h", "r", "z", "h_tilde"), (h_t, r, z, cand)):
                    out[k][:, t] = v
            return out["h"], {"x": x, "h0": h0, "W": W, "b": b, **out}
        """)
# Sequence backward passes that do each step inline (no step function, so no step cache), time axis first: what
# a student whose step caches differ from the solution's writes; the variants that change a step cache use them.
INLINE_LSTM_BACKWARD = replace("lstm_backward", """
            x, W = cache["x"], cache["W"]
            N, T, D = x.shape
            H = cache["h0"].shape[1]
            xs, hs, cs = x.transpose(1, 0, 2), cache["h"].transpose(1, 0, 2), cache["c"].transpose(1, 0, 2)
            f, i, g, o = (cache[k].transpose(1, 0, 2) for k in "figo")
            dxs, dW, db = np.zeros((T, N, D)), np.zeros_like(W), np.zeros(4 * H)
            dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
            for t in range(T - 1, -1, -1):
                h_prev = hs[t - 1] if t > 0 else cache["h0"]
                c_prev = cs[t - 1] if t > 0 else cache["c0"]
                dh_t = dh[:, t] + dh_next
                tc = np.tanh(cs[t])
                dc = dc_next + dh_t * o[t] * (1 - tc ** 2)
                da = np.concatenate([dc * c_prev * f[t] * (1 - f[t]), dc * g[t] * i[t] * (1 - i[t]),
                                     dc * i[t] * (1 - g[t] ** 2), dh_t * tc * o[t] * (1 - o[t])], axis=1)
                dW += np.concatenate([h_prev, xs[t]], axis=1).T @ da
                db += da.sum(axis=0)
                dhx = da @ W.T
                dh_next, dxs[t], dc_next = dhx[:, :H], dhx[:, H:], dc * f[t]
            return dxs.transpose(1, 0, 2), dh_next, dc_next, dW, db
        """)
INLINE_GRU_BACKWARD = replace("gru_backward", """
            x, W, h0 = cache["x"], cache["W"], cache["h0"]
            N, T, D = x.shape
            H = h0.shape[1]
            dx, dW, db = np.zeros_like(x), np.zeros_like(W), np.zeros(3 * H)
            carry = np.zeros((N, H))
            for t in range(T - 1, -1, -1):
                h_prev = cache["h"][:, t - 1] if t > 0 else h0
                r, z, c = cache["r"][:, t], cache["z"][:, t], cache["h_tilde"][:, t]
                d = dh[:, t] + carry
                d_cand = d * z * (1 - c * c)
                d_rhx = d_cand @ W[:, 2 * H:].T
                d_gates = np.concatenate([d_rhx[:, :H] * h_prev * r * (1 - r), d * (c - h_prev) * z * (1 - z)], 1)
                d_hx = d_gates @ W[:, :2 * H].T
                dW[:, :2 * H] += np.concatenate([h_prev, x[:, t]], 1).T @ d_gates
                dW[:, 2 * H:] += np.concatenate([r * h_prev, x[:, t]], 1).T @ d_cand
                db += np.concatenate([d_gates.sum(0), d_cand.sum(0)])
                dx[:, t] = d_rhx[:, H:] + d_hx[:, H:]
                carry = d * (1 - z) + d_rhx[:, :H] * r + d_hx[:, :H]
            return dx, carry, dW, db
        """)

VARIANTS: dict[str, list[tuple[str, str]]] = {
    # CS231n's RNN: a list of step caches, the backward loop calling the step backward and adding up (+=).
    "cs231n_step_caches": [
        replace("rnn_forward", """
            N, T, D = x.shape
            H = h0.shape[1]
            h = np.zeros((N, T, H))
            prev_h = h0
            for t in range(T):
                next_h, _ = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
                h[:, t, :] = next_h
                prev_h = next_h
            return h, {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b, "h": h}
        """),
        replace("rnn_backward", """
            x, h0, Wx, Wh, h = cache["x"], cache["h0"], cache["Wx"], cache["Wh"], cache["h"]
            N, T, D = x.shape
            H = h0.shape[1]
            dx = np.zeros((N, T, D))
            dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
            dprev_h = np.zeros((N, H))
            for t in range(T - 1, -1, -1):
                prev_h = h0 if t == 0 else h[:, t - 1, :]
                step_cache = (x[:, t, :], prev_h, Wx, Wh, h[:, t, :])
                dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, step_cache)
                dx[:, t, :] = dx_t
                dWx += dWx_t
                dWh += dWh_t
                db += db_t
            return dx, dprev_h, dWx, dWh, db
        """),
    ],
    # Everything in einsum, and the tanh derivative from the pre-activation (the step caches it, not h_next).
    "einsum": [
        replace("rnn_step_forward", """
            a = np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", h_prev, Wh) + b
            return np.tanh(a), {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "a": a}
        """),
        replace("rnn_step_backward", """
            da = dh_next / np.cosh(cache["a"]) ** 2
            return (np.einsum("nh,dh->nd", da, cache["Wx"]), np.einsum("nh,kh->nk", da, cache["Wh"]),
                    np.einsum("nd,nh->dh", cache["x"], da), np.einsum("nk,nh->kh", cache["h_prev"], da),
                    np.einsum("nh->h", da))
        """),
        replace("rnn_backward", """
            x, h0, Wx, Wh, h = (cache[k] for k in ("x", "h0", "Wx", "Wh", "h"))
            da = np.zeros_like(h)
            carry = np.zeros_like(h0)
            for t in reversed(range(x.shape[1])):
                da[:, t] = (dh[:, t] + carry) * (1 - h[:, t] ** 2)
                carry = np.einsum("nh,kh->nk", da[:, t], Wh)
            h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
            return (np.einsum("nth,dh->ntd", da, Wx), carry, np.einsum("ntd,nth->dh", x, da),
                    np.einsum("ntk,nth->kh", h_prev, da), np.einsum("nth->h", da))
        """),
        replace("sequence_mse", """
            diff = pred - target
            n = pred.shape[0] * pred.shape[1]
            return float(np.einsum("ntk,ntk->", diff, diff)) / n, 2 * diff / n
        """),
    ],
    # The LSTM gate by gate: four products with slices of W, and dW assembled block by block.
    "lstm_gates_one_by_one": [
        replace("lstm_step_forward", """
            H = h_prev.shape[1]
            hx = np.hstack([h_prev, x])
            block = lambda k: hx @ W[:, k * H:(k + 1) * H] + b[k * H:(k + 1) * H]
            sig = lambda z: np.exp(-np.logaddexp(0.0, -z))  # 1 / (1 + e^-z), without overflow
            f, i, g, o = sig(block(0)), sig(block(1)), np.tanh(block(2)), sig(block(3))
            c_next = f * c_prev + i * g
            h_next = o * np.tanh(c_next)
            return h_next, c_next, {"hx": hx, "c_prev": c_prev, "W": W, "f": f, "i": i, "g": g, "o": o, "c": c_next}
        """),
        replace("lstm_step_backward", """
            hx, W, f, i, g, o, c = (cache[k] for k in ("hx", "W", "f", "i", "g", "o", "c"))
            H = f.shape[1]
            tc = np.tanh(c)
            dc = dc_next + dh_next * o * (1 - tc * tc)
            d_blocks = [dc * cache["c_prev"] * f * (1 - f), dc * g * i * (1 - i), dc * i * (1 - g * g),
                        dh_next * tc * o * (1 - o)]
            dW = np.zeros_like(W)
            dhx = np.zeros_like(hx)
            db = np.zeros(4 * H)
            for k, d in enumerate(d_blocks):
                dW[:, k * H:(k + 1) * H] = hx.T @ d
                db[k * H:(k + 1) * H] = d.sum(axis=0)
                dhx += d @ W[:, k * H:(k + 1) * H].T
            return dhx[:, H:], dhx[:, :H], dc * f, dW, db
        """),
        INLINE_LSTM_FORWARD,
        INLINE_LSTM_BACKWARD,
    ],
    # W split into its h rows and x rows: no concatenation anywhere; sigmoid through tanh.
    "split_weights": [
        replace("lstm_step_forward", """
            H = h_prev.shape[1]
            Wh, Wx = W[:H], W[H:]
            a = h_prev @ Wh + x @ Wx + b
            sigmoid = lambda z: 0.5 * (1 + np.tanh(0.5 * z))
            f, i, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
            c_next = f * c_prev + i * g
            return o * np.tanh(c_next), c_next, (x, h_prev, c_prev, Wh, Wx, f, i, g, o, c_next)
        """),
        replace("lstm_step_backward", """
            x, h_prev, c_prev, Wh, Wx, f, i, g, o, c_next = cache
            tc = np.tanh(c_next)
            do = dh_next * tc
            dc = dc_next + dh_next * o * (1 - tc ** 2)
            da = np.hstack([dc * c_prev * f * (1 - f), dc * g * i * (1 - i), dc * i * (1 - g ** 2), do * o * (1 - o)])
            return da @ Wx.T, da @ Wh.T, dc * f, np.vstack([h_prev.T @ da, x.T @ da]), da.sum(axis=0)
        """),
        replace("gru_step_forward", """
            H = h_prev.shape[1]
            Wh, Wx = W[:H], W[H:]
            sigmoid = lambda z: 0.5 * (1 + np.tanh(0.5 * z))
            r = sigmoid(h_prev @ Wh[:, :H] + x @ Wx[:, :H] + b[:H])
            z = sigmoid(h_prev @ Wh[:, H:2 * H] + x @ Wx[:, H:2 * H] + b[H:2 * H])
            cand = np.tanh((r * h_prev) @ Wh[:, 2 * H:] + x @ Wx[:, 2 * H:] + b[2 * H:])
            return h_prev + z * (cand - h_prev), (x, h_prev, Wh, Wx, r, z, cand)
        """),
        replace("gru_step_backward", """
            x, h_prev, Wh, Wx, r, z, cand = cache
            H = h_prev.shape[1]
            d_cand = dh_next * z * (1 - cand ** 2)
            d_rh = d_cand @ Wh[:, 2 * H:].T
            d_r = d_rh * h_prev * r * (1 - r)
            d_z = dh_next * (cand - h_prev) * z * (1 - z)
            dh_prev = dh_next * (1 - z) + d_rh * r + d_r @ Wh[:, :H].T + d_z @ Wh[:, H:2 * H].T
            dx = d_cand @ Wx[:, 2 * H:].T + d_r @ Wx[:, :H].T + d_z @ Wx[:, H:2 * H].T
            dWh = np.hstack([h_prev.T @ d_r, h_prev.T @ d_z, (r * h_prev).T @ d_cand])
            dWx = np.hstack([x.T @ d_r, x.T @ d_z, x.T @ d_cand])
            return dx, dh_prev, np.vstack([dWh, dWx]), np.concatenate([d_r.sum(0), d_z.sum(0), d_cand.sum(0)])
        """),
        INLINE_LSTM_FORWARD,
        INLINE_LSTM_BACKWARD,
        INLINE_GRU_FORWARD,
        INLINE_GRU_BACKWARD,
    ],
    # The sequence backward passes re-run each step forward from the cache to get that step's own cache, then call
    # the step backward (a cache per step without storing them).
    "recompute_steps": [
        replace("rnn_backward", """
            x, h0, h = cache["x"], cache["h0"], cache["h"]
            grads = [np.zeros_like(x), None, np.zeros_like(cache["Wx"]), np.zeros_like(cache["Wh"]),
                     np.zeros_like(cache["b"])]
            carry = np.zeros_like(h0)
            for t in reversed(range(x.shape[1])):
                h_prev = h[:, t - 1] if t else h0
                _, step = rnn_step_forward(x[:, t], h_prev, cache["Wx"], cache["Wh"], cache["b"])
                dx_t, carry, *param_grads = rnn_step_backward(dh[:, t] + carry, step)
                grads[0][:, t] = dx_t
                for total, g in zip(grads[2:], param_grads):
                    total += g
            grads[1] = carry
            return tuple(grads)
        """),
        replace("lstm_backward", """
            x, W, b = cache["x"], cache["W"], cache["b"]
            dx, dW, db = np.zeros_like(x), np.zeros_like(W), np.zeros_like(b)
            dh_carry, dc_carry = np.zeros_like(cache["h0"]), np.zeros_like(cache["c0"])
            for t in reversed(range(x.shape[1])):
                h_prev = cache["h"][:, t - 1] if t else cache["h0"]
                c_prev = cache["c"][:, t - 1] if t else cache["c0"]
                _, _, step = lstm_step_forward(x[:, t], h_prev, c_prev, W, b)
                dx[:, t], dh_carry, dc_carry, dW_t, db_t = lstm_step_backward(dh[:, t] + dh_carry, dc_carry, step)
                dW, db = dW + dW_t, db + db_t
            return dx, dh_carry, dc_carry, dW, db
        """),
        replace("gru_backward", """
            x, W, b = cache["x"], cache["W"], cache["b"]
            dx, dW, db = np.zeros_like(x), np.zeros_like(W), np.zeros_like(b)
            carry = np.zeros_like(cache["h0"])
            for t in reversed(range(x.shape[1])):
                h_prev = cache["h"][:, t - 1] if t else cache["h0"]
                _, step = gru_step_forward(x[:, t], h_prev, W, b)
                dx[:, t], carry, dW_t, db_t = gru_step_backward(dh[:, t] + carry, step)
                dW, db = dW + dW_t, db + db_t
            return dx, carry, dW, db
        """),
    ],
    # The counts in closed form; metrics from confusion counts; cross-entropy through np.logaddexp.
    "closed_forms_and_counts": [
        replace("rnn_param_count", """
            first = hidden_size * (input_size + hidden_size + bias_vectors)
            return first + (num_layers - 1) * hidden_size * (2 * hidden_size + bias_vectors)
        """),
        replace("lstm_param_count", """
            return 4 * rnn_param_count(input_size, hidden_size, num_layers, bias_vectors)
        """),
        replace("gru_param_count", """
            return 3 * rnn_param_count(input_size, hidden_size, num_layers, bias_vectors)
        """),
        replace("accuracy", """
            tp = np.sum((y_true == 1) & (y_pred == 1))
            tn = np.sum((y_true == 0) & (y_pred == 0))
            return (tp + tn) / len(y_true)
        """),
        replace("precision", """
            tp = np.count_nonzero(y_true[y_pred == 1] == 1)
            fp = np.count_nonzero(y_true[y_pred == 1] == 0)
            return 0.0 if tp + fp == 0 else tp / (tp + fp)
        """),
        replace("recall", """
            tp = np.count_nonzero(y_pred[y_true == 1] == 1)
            fn = np.count_nonzero(y_pred[y_true == 1] == 0)
            return 0.0 if tp + fn == 0 else tp / (tp + fn)
        """),
        replace("f1_score", """
            tp = np.sum((y_true == 1) & (y_pred == 1))
            wrong = np.sum(y_true != y_pred)
            return 0.0 if tp == 0 else 2 * tp / (2 * tp + wrong)
        """),
        replace("rmse", """
            return np.linalg.norm(y_true - y_pred) / np.sqrt(np.size(y_true))
        """),
        replace("sequence_cross_entropy", """
            N, T, C = scores.shape
            flat, labels = scores.reshape(N * T, C), y.reshape(N * T)
            log_z = np.logaddexp.reduce(flat, axis=1)
            loss = np.mean(log_z - flat[np.arange(N * T), labels])
            probs = np.exp(flat - log_z[:, None])
            probs[np.arange(N * T), labels] -= 1
            return loss, (probs / (N * T)).reshape(N, T, C)
        """),
    ],
    # Training written out: its own forward loop, output layer, BPTT and clipping, no helper calls.
    "train_from_scratch": [
        replace("train_rnn", """
            Wx, Wh, b, Wy, by = (params[k].copy() for k in ("Wx", "Wh", "b", "Wy", "by"))
            N, T, _ = x.shape
            H = Wh.shape[0]
            for epoch in range(epochs):
                hs = [np.zeros((N, H))]
                for t in range(T):
                    hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))
                pred = np.stack([h @ Wy + by for h in hs[1:]], axis=1)
                dpred = 2 * (pred - y) / (N * T)
                gWx, gWh, gb = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
                gWy, gby = np.zeros_like(Wy), np.zeros_like(by)
                dh_next = np.zeros((N, H))
                for t in reversed(range(T)):
                    gWy += hs[t + 1].T @ dpred[:, t]
                    gby += dpred[:, t].sum(axis=0)
                    da = (dpred[:, t] @ Wy.T + dh_next) * (1 - hs[t + 1] ** 2)
                    gWx += x[:, t].T @ da
                    gWh += hs[t].T @ da
                    gb += da.sum(axis=0)
                    dh_next = da @ Wh.T
                grads = [gWx, gWh, gb, gWy, gby]
                norm = np.sqrt(sum((g ** 2).sum() for g in grads))
                if norm > max_norm:
                    grads = [g * (max_norm / (norm + 1e-6)) for g in grads]
                Wx, Wh, b, Wy, by = (p - lr * g for p, g in zip((Wx, Wh, b, Wy, by), grads))
            return {"Wx": Wx, "Wh": Wh, "b": b, "Wy": Wy, "by": by}
        """),
    ],
    # Naive loops over the batch as well as time, as a first attempt looks (slow, but the sizes are small).
    "loops_over_the_batch": [
        replace("rnn_step_forward", """
            N, H = h_prev.shape
            h_next = np.zeros((N, H))
            for n in range(N):
                h_next[n] = np.tanh(x[n] @ Wx + h_prev[n] @ Wh + b)
            return h_next, (x, h_prev, Wx, Wh, h_next)
        """),
        replace("rnn_step_backward", """
            x, h_prev, Wx, Wh, h_next = cache
            dx, dh_prev = np.zeros_like(x), np.zeros_like(h_prev)
            dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
            for n in range(x.shape[0]):
                da = dh_next[n] * (1 - h_next[n] ** 2)
                dx[n] = Wx @ da
                dh_prev[n] = Wh @ da
                dWx += np.outer(x[n], da)
                dWh += np.outer(h_prev[n], da)
                db += da
            return dx, dh_prev, dWx, dWh, db
        """),
        replace("clip_grad_norm", """
            squares = 0.0
            for g in grads.values():
                for value in g.ravel():
                    squares += value * value
            total = squares ** 0.5
            coefficient = max_norm / (total + 1e-6)
            clipped = {}
            for name, g in grads.items():
                clipped[name] = g * coefficient if coefficient < 1 else g.copy()
            return clipped, total
        """),
        replace("mae", """
            errors = np.ravel(y_true - y_pred)
            return sum(abs(e) for e in errors) / len(errors)
        """),
        replace("mse", """
            errors = np.ravel(y_true - y_pred)
            return sum(e * e for e in errors) / len(errors)
        """),
    ],
    # The sequence forward passes with the gates in one preallocated array, and the GRU as h + z (h~ - h).
    "stacked_gates_array": [INLINE_LSTM_FORWARD, INLINE_GRU_FORWARD],
}
