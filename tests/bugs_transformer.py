"""Realistic buggy Transformer submissions: edits to solutions/transformer.py and the checks each must lose.

The bugs are the mistakes public Transformer implementations were reported for (heads split or merged without the
transpose: reczoo/FuxiCTR#30, jsbaan/transformer-from-scratch#6; the tutorial positional encoding that breaks on odd
d_model: codertimo/BERT-pytorch#78; layer norm with eps outside the square root or the unbiased std:
harvardnlp/annotated-transformer#119, hyunwoongko/transformer#7; label smoothing over V - 1 classes:
mindspore-ai/mindspore#73; the Noam schedule off by one step: tugstugi/pytorch-saltnet#7) and the course notes' own
errata read literally (anti-causal mask, mask inside the scaling, the encoder formula).
Every `fails` set was found by running the grader and read for sense.
"""
from conftest import Bug, annotated

T = "transformer."
ATT, CAUSAL, MHA, PE, LN, FFN, ENC = (T + n for n in ("attention", "causal_mask", "multi_head_attention",
                                                      "positional_encoding", "layer_norm", "ffn", "encoder_layer"))
SMOOTH, NOAM, DROP, COUNT = (T + n for n in ("label_smoothing", "noam", "dropout", "encoder_param_count"))

LARGE = "out, scores beyond 710"
ATT_ALL = {(ATT, c) for c in ("out", "weights", "dQ", "dK", "dV", "mask added after scaling", LARGE)}
MHA_GRADS = {(MHA, "d" + k) for k in ("W_Q", "W_K", "W_V", "W_O")}
MHA_ALL = {(MHA, c) for c in ("out", "dx_q", "dx_kv", LARGE)} | MHA_GRADS
ENC_PARAMS = ("W_Q", "W_K", "W_V", "W_O", "gamma1", "beta1", "W1", "b1", "W2", "b2", "gamma2", "beta2")
ENC_ALL = {(ENC, "out"), (ENC, "dx")} | {(ENC, "d" + k) for k in ENC_PARAMS}


def enc(*names):
    return {(ENC, n) for n in names}


ENC_BUT_DBETA2 = ENC_ALL - enc("dbeta2")  # post-LN: dL/dbeta2 is the sum of dout, whatever happens below LN2
def drop(*names):
    return {(DROP, n) for n in names}


BUGS = [
    # -- attention ------------------------------------------------------------------------------------
    Bug("attention_scaled_by_d_k", "scores divided by d_k, not sqrt(d_k), in forward and backward",
        [("scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])",
          "scores = Q @ np.swapaxes(K, -1, -2) / Q.shape[-1]"),
         ("(weights * dweights).sum(axis=-1, keepdims=True)) / np.sqrt(Q.shape[-1])",
          "(weights * dweights).sum(axis=-1, keepdims=True)) / Q.shape[-1]")],
        ATT_ALL | MHA_ALL | ENC_BUT_DBETA2),
    Bug("softmax_over_queries", "softmax over axis -2 (the queries) instead of the keys",
        [("    e = np.exp(z - z.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)",
          "    e = np.exp(z - z.max(axis=-2, keepdims=True))\n    return e / e.sum(axis=-2, keepdims=True)")],
        ATT_ALL | MHA_ALL | ENC_BUT_DBETA2),
    Bug("softmax_without_max_shift", "softmax as exp(z) / sum exp(z): inf / inf = nan once a score exceeds 709",
        [("    e = np.exp(z - z.max(axis=-1, keepdims=True))", "    e = np.exp(z)")],
        {(ATT, LARGE), (MHA, LARGE)}),
    Bug("mask_inside_scaling", "the notes' masked attention: softmax((Q K^T + M) / sqrt(d_k))",
        [("    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n    if mask is not None:\n"
          "        scores = scores + mask\n",
          "    scores = Q @ np.swapaxes(K, -1, -2)\n    if mask is not None:\n        scores = scores + mask\n"
          "    scores = scores / np.sqrt(Q.shape[-1])\n")],
        {(ATT, "mask added after scaling")}),
    Bug("softmax_backward_elementwise", "softmax backward as weights * (1 - weights) * dweights (its diagonal only)",
        [("dscores = weights * (dweights - (weights * dweights).sum(axis=-1, keepdims=True))",
          "dscores = weights * (1 - weights) * dweights")],
        {(ATT, "dQ"), (ATT, "dK"), (MHA, "dx_q"), (MHA, "dx_kv"), (MHA, "dW_Q"), (MHA, "dW_K")}
        | enc("dx", "dW_Q", "dW_K")),
    # -- causal mask ----------------------------------------------------------------------------------
    Bug("causal_mask_as_in_the_notes", "the notes' matrix: 0 if i <= j, -inf if i > j (anti-causal)",
        [("    return np.triu(np.full((T, T), -np.inf), k=1)", "    return np.tril(np.full((T, T), -np.inf), k=-1)")],
        {(CAUSAL, "mask")}),
    Bug("causal_mask_hides_itself", "-inf where j >= i: each position is hidden from itself too",
        [("    return np.triu(np.full((T, T), -np.inf), k=1)", "    return np.triu(np.full((T, T), -np.inf), k=0)")],
        {(CAUSAL, "mask")}),
    # -- multi-head attention ---------------------------------------------------------------------------
    Bug("heads_split_without_transpose", "(B, L, h*d) reshaped straight to (B, h, L, d)",
        [("    return x.reshape(B, L, n_heads, hd // n_heads).transpose(0, 2, 1, 3)",
          "    return x.reshape(B, n_heads, L, hd // n_heads)")],
        MHA_ALL | ENC_BUT_DBETA2),
    Bug("d_k_assumed_d_model_over_h", "the queries split with d_k = d_model // h rather than W_Q's width / h",
        [('    Q = _split_heads(x_q @ params["W_Q"], n_heads)',
          '    Q = (x_q @ params["W_Q"]).reshape(*x_q.shape[:2], n_heads, x_q.shape[-1] // n_heads)'
          '.transpose(0, 2, 1, 3)')],
        MHA_ALL),
    Bug("dx_kv_without_values", "dx_kv only through the keys: the values' path forgotten",
        [('    dx_kv = dK @ params["W_K"].T + dV @ params["W_V"].T', '    dx_kv = dK @ params["W_K"].T')],
        {(MHA, "dx_kv")} | enc("dx")),
    # -- positional encoding ------------------------------------------------------------------------------
    Bug("pe_tutorial_breaks_on_odd_d_model", "the tutorial's div_term with pe[:, 1::2] = cos(pos * div_term): "
        "one cosine too many when d_model is odd",
        [("    pos = np.arange(T)[:, None]\n    two_i = np.arange(d_model) // 2 * 2                                    "
          "# 0, 0, 2, 2, 4, 4, ...\n    angle = pos / 10000.0 ** (two_i / d_model)\n"
          "    return np.where(np.arange(d_model) % 2 == 0, np.sin(angle), np.cos(angle))",
          "    pe = np.zeros((T, d_model))\n    position = np.arange(T)[:, None]\n"
          "    div_term = np.exp(np.arange(0, d_model, 2) * (-np.log(10000.0) / d_model))\n"
          "    pe[:, 0::2] = np.sin(position * div_term)\n    pe[:, 1::2] = np.cos(position * div_term)\n"
          "    return pe")],
        {(PE, "PE")}),
    Bug("pe_exponent_from_column", "10000^(j / d_model) with j the column, not 2i",
        [("    two_i = np.arange(d_model) // 2 * 2", "    two_i = np.arange(d_model)")],
        {(PE, "PE")}),
    # -- layer norm -------------------------------------------------------------------------------------
    Bug("layer_norm_over_batch", "statistics over the batch axis (batch norm) instead of the features",
        [("    mu = x.mean(axis=-1, keepdims=True)\n    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)",
          "    mu = x.mean(axis=0, keepdims=True)\n    inv_std = 1.0 / np.sqrt(x.var(axis=0, keepdims=True) + eps)")],
        {(LN, "out"), (LN, "dx"), (LN, "dgamma")} | ENC_BUT_DBETA2),
    Bug("layer_norm_unbiased_variance", "the variance divided by D - 1 (x.std(ddof=1), torch.std's default)",
        [("np.sqrt(x.var(axis=-1, keepdims=True) + eps)", "np.sqrt(x.var(axis=-1, ddof=1, keepdims=True) + eps)")],
        {(LN, "out"), (LN, "dx"), (LN, "dgamma")} | ENC_BUT_DBETA2),
    Bug("layer_norm_eps_outside", "(x - mu) / (std + eps), as the Annotated Transformer writes it",
        [("inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)",
          "inv_std = 1.0 / (x.std(axis=-1, keepdims=True) + eps)")],
        {(LN, "out"), (LN, "dx"), (LN, "dgamma")} | ENC_BUT_DBETA2),
    # -- FFN --------------------------------------------------------------------------------------------
    Bug("ffn_relu_backward_missing", "the ReLU's mask left out of the backward pass",
        [("    dh = (dout @ W2.T) * (h > 0)", "    dh = dout @ W2.T")],
        {(FFN, "dx"), (FFN, "dW1"), (FFN, "db1")}
        | enc("dx", "dW_Q", "dW_K", "dW_V", "dW_O", "dgamma1", "dbeta1", "dW1", "db1")),
    Bug("ffn_db1_over_batch_only", "db1 summed over the batch axis only: shape (T, d_ff)",
        [("return dh @ W1.T, _weight_grad(x, dh), _sum_positions(dh),",
          "return dh @ W1.T, _weight_grad(x, dh), dh.sum(axis=0),")],
        {(FFN, "db1")} | enc("db1")),
    # -- encoder layer ----------------------------------------------------------------------------------
    Bug("encoder_pre_ln", "pre-LN, forward and backward: y = x + MHA(LN1(x)), out = y + FFN(LN2(y))",
        [("    attended, attention_cache = mha_forward(x, x, attention_params, n_heads)\n"
          "    y, norm1 = layer_norm_forward(x + attended, params[\"gamma1\"], params[\"beta1\"], LN_EPS)\n"
          "    f, ffn_cache = ffn_forward(y, params[\"W1\"], params[\"b1\"], params[\"W2\"], params[\"b2\"])\n"
          "    out, norm2 = layer_norm_forward(y + f, params[\"gamma2\"], params[\"beta2\"], LN_EPS)\n",
          "    n1, norm1 = layer_norm_forward(x, params[\"gamma1\"], params[\"beta1\"], LN_EPS)\n"
          "    attended, attention_cache = mha_forward(n1, n1, attention_params, n_heads)\n"
          "    y = x + attended\n"
          "    n2, norm2 = layer_norm_forward(y, params[\"gamma2\"], params[\"beta2\"], LN_EPS)\n"
          "    f, ffn_cache = ffn_forward(n2, params[\"W1\"], params[\"b1\"], params[\"W2\"], params[\"b2\"])\n"
          "    out = y + f\n"),
         ("    ds, grads[\"gamma2\"], grads[\"beta2\"] = layer_norm_backward(dout, norm2)\n"
          "    dy, grads[\"W1\"], grads[\"b1\"], grads[\"W2\"], grads[\"b2\"] = ffn_backward(ds, ffn_cache)\n"
          "    dr, grads[\"gamma1\"], grads[\"beta1\"] = layer_norm_backward(dy + ds, norm1)\n"
          "    dx_q, dx_kv, attention_grads = mha_backward(dr, attention_cache)\n"
          "    grads.update(attention_grads)\n"
          "    return dr + dx_q + dx_kv, grads\n",
          "    dn2, grads[\"W1\"], grads[\"b1\"], grads[\"W2\"], grads[\"b2\"] = ffn_backward(dout, ffn_cache)\n"
          "    dy, grads[\"gamma2\"], grads[\"beta2\"] = layer_norm_backward(dn2, norm2)\n"
          "    dy = dy + dout\n"
          "    dn1_q, dn1_kv, attention_grads = mha_backward(dy, attention_cache)\n"
          "    grads.update(attention_grads)\n"
          "    dx, grads[\"gamma1\"], grads[\"beta1\"] = layer_norm_backward(dn1_q + dn1_kv, norm1)\n"
          "    return dx + dy, grads\n")],
        ENC_ALL),
    Bug("encoder_as_the_notes_print_it", "LN(x + FFN(LN(x + MHA(x)))): the outer residual adds x, not y",
        [("    out, norm2 = layer_norm_forward(y + f, params", "    out, norm2 = layer_norm_forward(x + f, params"),
         ("    dr, grads[\"gamma1\"], grads[\"beta1\"] = layer_norm_backward(dy + ds, norm1)\n",
          "    dr, grads[\"gamma1\"], grads[\"beta1\"] = layer_norm_backward(dy, norm1)\n"),
         ("    return dr + dx_q + dx_kv, grads", "    return dr + dx_q + dx_kv + ds, grads")],
        ENC_BUT_DBETA2),
    Bug("encoder_ffn_residual_dropped_in_backward", "the gradient of the second residual sum not sent to y",
        [("layer_norm_backward(dy + ds, norm1)", "layer_norm_backward(dy, norm1)")],
        enc("dx", "dW_Q", "dW_K", "dW_V", "dW_O", "dgamma1", "dbeta1")),
    # -- label smoothing ----------------------------------------------------------------------------------
    Bug("smoothing_over_v_minus_one", "eps / (V - 1) on the wrong classes and 1 - eps on the target",
        [("    q = np.full(logits.shape, epsilon / V)\n"
          "    np.put_along_axis(q, y[..., None], 1.0 - epsilon + epsilon / V, axis=-1)",
          "    q = np.full(logits.shape, epsilon / (V - 1))\n"
          "    np.put_along_axis(q, y[..., None], 1.0 - epsilon, axis=-1)")],
        {(SMOOTH, "loss"), (SMOOTH, "dlogits")}),
    Bug("smoothing_log_of_softmax", "log(softmax(logits)): log(0) = -inf once a logit gap exceeds 745",
        [("    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))",
          "    log_p = np.log(np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True))")],
        {(SMOOTH, "loss")}),  # dlogits = exp(log p) - q is still right: exp(-inf) = 0
    # -- Noam -------------------------------------------------------------------------------------------
    Bug("noam_steps_from_zero", "the schedule evaluated at step + 1 (steps taken as 0-based)",
        [("    steps = np.asarray(steps, dtype=np.float64)", "    steps = np.asarray(steps, dtype=np.float64) + 1")],
        {(NOAM, "lr")}),
    # -- dropout ----------------------------------------------------------------------------------------
    Bug("dropout_p_keeps", "p used as the keep probability: rand < p keeps",
        [("(np.random.rand(*x.shape) >= p)", "(np.random.rand(*x.shape) < p)")],
        drop("out (p = 0, eval)", "dx (p = 0, eval)", "drop rate at p = 0.2", "drop rate at p = 0.7")),
    Bug("dropout_not_rescaled", "the kept entries not divided by 1 - p",
        [("mask = (np.random.rand(*x.shape) >= p) / (1.0 - p)", "mask = (np.random.rand(*x.shape) >= p) * 1.0")],
        drop("out (train)", "mask (train)", "dx (train)")),
    Bug("dropout_in_eval_mode", "dropout applied in evaluation mode too",
        [("    if not train:\n        return x.copy(), np.ones_like(x)\n", "")],
        drop("out (p = 0, eval)", "dx (p = 0, eval)")),
    Bug("dropout_mask_shared_over_batch", "one mask for the whole batch: rand(*x.shape[1:]) broadcast",
        [("mask = (np.random.rand(*x.shape) >= p) / (1.0 - p)",
          "mask = np.broadcast_to((np.random.rand(*x.shape[1:]) >= p) / (1.0 - p), x.shape)")],
        drop("drop rate at p = 0.2", "drop rate at p = 0.7")),
    # -- parameter count ------------------------------------------------------------------------------------
    Bug("count_without_attention_biases", "the notes' attention has no biases: 4 d_model left out",
        [("    return linear_weights + gammas + 4 * d_model + d_ff + d_model + 2 * d_model",
          "    return linear_weights + gammas + d_ff + d_model + 2 * d_model")],
        {(COUNT, "params")}),
]

# The feedback each bug gets beyond its checks (tests/test_feedback.py): the mistakes it names (none for the
# others; two that give the same value on every input are named together, as possibilities), and the length
# of the input its first failing check shows, at most 3 along every free axis but for these.
MISTAKES = {
    'attention_scaled_by_d_k': ('scaled by d_k',),
    'softmax_over_queries': ('softmax over the queries',),
    'mask_inside_scaling': ('mask inside the scaling',),
    'softmax_backward_elementwise': ('elementwise softmax derivative',),
    'heads_split_without_transpose': ('heads split without the transpose',),
    'dx_kv_without_values': ("values' path missing from dx_kv",),
    'pe_exponent_from_column': ('exponent i / d_model',),
    'layer_norm_over_batch': ('statistics over the batch',),
    'layer_norm_unbiased_variance': ('unbiased variance',),
    'layer_norm_eps_outside': ('eps outside the square root',),
    'ffn_relu_backward_missing': ('ReLU skipped in backward',),
    'encoder_pre_ln': ('pre-LN',),
    'encoder_as_the_notes_print_it': ("the notes' formula read literally",),
    'encoder_ffn_residual_dropped_in_backward': ('FFN residual missing in backward',),
    'smoothing_over_v_minus_one': ('epsilon / (V - 1)',),
    'noam_steps_from_zero': ('steps from 0',),
    'dropout_p_keeps': ('p as the keep probability',),
    'count_without_attention_biases': ('layer norms left out', 'no attention biases'),
}
INPUT_AXIS = {
    'noam_steps_from_zero': 5,
    'dropout_mask_shared_over_batch': 100,
}
BUGS = annotated(BUGS, MISTAKES, INPUT_AXIS)
