r"""MLP from first principles: the course notes' 3-layer tanh/tanh/softmax network in NumPy.

Conventions (the same in every exercise of this topic):
- a batch holds $m$ examples as rows: `X` has shape (m, n_in);
- a layer computes $Z = X W + b$ with $W$ of shape (n_in, n_out) and $b$ of shape (n_out,), added to every row.
  This is the row form of the course notes' forward pass. Their per-neuron "matrix form" $z = W a + b$ is the
  column form, whose $W$ has shape (n_out, n_in): the transpose of the $W$ here;
- every loss is a mean over the batch, so every gradient of it carries a factor $1/m$;
- arrays are float64, and so is every intermediate: computing in float32 (`astype(np.float32)`) loses about
  $10^{-3}$ of a result whose terms cancel, and some graded inputs are built that way, so float32 code fails
  every time (casting only the final result is harmless but pointless);
- a function does not modify its input arrays in place (only `sgd_step` may), nor later through a reference
  kept in a cache;
- a forward function keeps what its backward needs in the cache it returns, not in a global: the grader
  runs a second forward pass before the backward pass of the first.

Each function says which exercise grades it.
"""
import numpy as np


def tanh(z):
    r"""Hyperbolic tangent, elementwise (exercise mlp.tanh).

        $$ \tanh(z) = \frac{e^z - e^{-z}}{e^z + e^{-z}} = \frac{e^{2z} - 1}{e^{2z} + 1} $$

    It must stay finite for every float64 $z$: $e^{2z}$ overflows once $z \ge 355$, and $e^{z}$ once $|z| \ge 710$.

    Args:
        z: array of any shape.
    Returns:
        array of the same shape as z, values in $[-1, 1]$.
    """
    ### BEGIN SOLUTION
    return np.tanh(z)
    ### END SOLUTION


def tanh_derivative(z):
    r"""Derivative of tanh, elementwise (exercise mlp.tanh).

        $$ \frac{d}{dz} \tanh(z) = 1 - \tanh^2(z) $$

    Args:
        z: array of any shape (the pre-activation $z$, not $\tanh(z)$).
    Returns:
        array of the same shape as z.
    """
    ### BEGIN SOLUTION
    t = np.tanh(z)
    return 1.0 - t * t
    ### END SOLUTION


def sigmoid(z):
    r"""Logistic sigmoid, elementwise (exercise mlp.sigmoid).

        $$ \sigma(z) = \frac{1}{1 + e^{-z}} $$

    It must stay finite and exact for large $|z|$: $e^{-z}$ overflows once $z \le -710$.

    Args:
        z: array of any shape.
    Returns:
        array of the same shape as z, values in $[0, 1]$.
    """
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def binary_cross_entropy(a, y):
    r"""Mean binary cross-entropy (exercise mlp.binary_cross_entropy).

        $$ L = -\frac{1}{m} \sum_{i=1}^{m} \left[ y_i \log a_i + (1 - y_i) \log(1 - a_i) \right] $$

    Args:
        a: (m,) predicted probabilities, strictly between 0 and 1.
        y: (m,) labels, each 0.0 or 1.0.
    Returns:
        $L$ as a Python float.
    """
    ### BEGIN SOLUTION
    return float(-np.mean(y * np.log(a) + (1.0 - y) * np.log(1.0 - a)))
    ### END SOLUTION


def binary_cross_entropy_grad(a, y):
    r"""Gradient of the mean binary cross-entropy with respect to a (exercise mlp.binary_cross_entropy).

        $$ \frac{\partial L}{\partial a_i} = \frac{1}{m} \cdot \frac{a_i - y_i}{a_i (1 - a_i)} $$

    The course notes write this without $\frac{1}{m}$, for a single sample; $L$ above is a mean over $m$ samples.

    Args:
        a: (m,) predicted probabilities, strictly between 0 and 1.
        y: (m,) labels, each 0.0 or 1.0.
    Returns:
        (m,) array $\partial L / \partial a$.
    """
    ### BEGIN SOLUTION
    return (a - y) / (a * (1.0 - a)) / a.shape[0]
    ### END SOLUTION


def softmax(z):
    r"""Row-wise softmax of logits (exercise mlp.softmax).

        $$ p_{ij} = \frac{e^{z_{ij}}}{\sum_{k} e^{z_{ik}}} $$

    Subtract each row's maximum $\max_k z_{ik}$ first (it cancels): without it, $e^{z}$ overflows for logits
    $\ge 710$.

    Args:
        z: (m, C) logits.
    Returns:
        (m, C) probabilities; every row sums to 1.
    """
    ### BEGIN SOLUTION
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION


def cross_entropy(z, y):
    r"""Mean cross-entropy of softmax(z) against integer labels (exercise mlp.cross_entropy).

        $$ J = -\frac{1}{m} \sum_{i=1}^{m} \log p_{i, y_i}, \qquad p = \operatorname{softmax}(z) $$

    Compute $\log p$ with the log-sum-exp trick, where $M_i = \max_k z_{ik}$ is the maximum of row $i$:

        $$ \log p_{ij} = z_{ij} - M_i - \log \sum_{k} e^{z_{ik} - M_i} $$

    `np.log(softmax(z))` gives $-\infty$ once a logit trails its row's maximum by more than about 745.

    Args:
        z: (m, C) logits.
        y: (m,) integer class labels in [0, C).
    Returns:
        $J$ as a Python float.
    """
    ### BEGIN SOLUTION
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(z.shape[0]), y].mean())
    ### END SOLUTION


def cross_entropy_grad(z, y):
    r"""Gradient of the mean cross-entropy with respect to the logits (exercise mlp.cross_entropy).

        $$ \frac{\partial J}{\partial Z} = \frac{1}{m} (P - Y), \qquad P = \operatorname{softmax}(Z) $$

    where $Y$ is the one-hot encoding of $y$: $Y_{ij} = 1$ if $j = y_i$, else 0.

    Args:
        z: (m, C) logits.
        y: (m,) integer class labels in [0, C).
    Returns:
        (m, C) array $\partial J / \partial Z$.
    """
    ### BEGIN SOLUTION
    m = z.shape[0]
    d = softmax(z)
    d[np.arange(m), y] -= 1.0
    return d / m
    ### END SOLUTION


def affine_forward(x, W, b):
    r"""Affine (fully connected) layer, forward (exercise mlp.affine).

        $$ \mathrm{out} = x W + b $$

    $b$ is added to every row. (The course notes' column form $z = W a + b$ uses the transpose of this $W$.)

    Args:
        x: (m, n_in) inputs.
        W: (n_in, n_out) weights.
        b: (n_out,) biases.
    Returns:
        out: (m, n_out).
        cache: whatever affine_backward needs (your choice).
    """
    ### BEGIN SOLUTION
    return x @ W + b, (x, W)
    ### END SOLUTION


def affine_backward(dout, cache):
    r"""Affine layer, backward (exercise mlp.affine).

    With $d\mathrm{out} = \partial L / \partial \mathrm{out}$ for some scalar loss $L$, and $dx = \partial L / \partial x$
    and so on:

        $$ dx = d\mathrm{out}\, W^\top, \qquad dW = x^\top d\mathrm{out}, \qquad db = \sum_{i=1}^{m} d\mathrm{out}_{i,:} $$

    ($db$ sums the rows of $d\mathrm{out}$: the sum over the batch.)

    Args:
        dout: (m, n_out) upstream gradient.
        cache: what affine_forward returned.
    Returns:
        dx: (m, n_in), dW: (n_in, n_out), db: (n_out,).
    """
    ### BEGIN SOLUTION
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
    ### END SOLUTION


def init_params(layer_sizes, seed):
    r"""The course notes' weight initialisation (exercise mlp.init_params).

        $$ W^{(l)}_{jk} \sim \mathcal{N}\!\left(0, \tfrac{1}{n_{l-1}}\right) \text{ independently}, \qquad b^{(l)} = 0 $$

    Each weight of layer $l$ has standard deviation $1/\sqrt{n_{l-1}}$, where $n_{l-1}$ = `layer_sizes[l-1]` is the
    layer's number of inputs. The course notes call this Xavier initialisation; it is LeCun normal (Xavier/Glorot
    uses the variance $2/(n_{l-1} + n_l)$). Graded statistically: the shapes, and the mean and variance of the
    draws, never exact values; also for 1 to 4 layers, and for repeatability (the same seed
    gives the same parameters, another seed other ones).

    Args:
        layer_sizes: $[n_0, n_1, \dots, n_L]$, e.g. [n_input, n_1, n_2, n_classes].
        seed: int; use np.random.default_rng(seed) so that runs are repeatable.
    Returns:
        dict with "W1", "b1", ..., "WL", "bL"; $W^{(l)}$ of shape $(n_{l-1}, n_l)$, $b^{(l)}$ of shape $(n_l,)$.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    params = {}
    for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
        params[f"b{l}"] = np.zeros(n_out)
    return params
    ### END SOLUTION


def mlp_forward(X, params):
    r"""Forward pass of the 3-layer MLP (exercise mlp.mlp_forward).

        $$
        \begin{aligned}
        Z^{(1)} &= X W^{(1)} + b^{(1)}, & A^{(1)} &= \tanh(Z^{(1)}) \\
        Z^{(2)} &= A^{(1)} W^{(2)} + b^{(2)}, & A^{(2)} &= \tanh(Z^{(2)}) \\
        Z^{(3)} &= A^{(2)} W^{(3)} + b^{(3)}, & P &= \operatorname{softmax}(Z^{(3)})
        \end{aligned}
        $$

    `params["W1"]` is $W^{(1)}$, the cache's `"Z1"` is $Z^{(1)}$, and so on.

    Args:
        X: (m, n_0) inputs.
        params: dict with W1 (n_0, n_1), b1 (n_1,), W2 (n_1, n_2), b2 (n_2,), W3 (n_2, C), b3 (C,).
    Returns:
        P: (m, C) class probabilities.
        cache: dict with exactly these entries, which mlp_backward reads:
            "X", "Z1", "A1", "Z2", "A2", "Z3", "P".
    """
    ### BEGIN SOLUTION
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = np.tanh(Z2)
    Z3 = A2 @ params["W3"] + params["b3"]
    P = softmax(Z3)
    return P, {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "Z3": Z3, "P": P}
    ### END SOLUTION


def mlp_backward(y, params, cache):
    r"""Backpropagation through the 3-layer MLP (exercise mlp.mlp_backward).

    The loss is the mean cross-entropy $J$ of $P$ against the labels $y$. Work backwards, writing $dZ^{(3)}$ for
    $\partial J / \partial Z^{(3)}$ and so on:

        $$
        \begin{aligned}
        dZ^{(3)} &= \tfrac{1}{m} (P - Y) \\
        dW^{(3)} &= (A^{(2)})^\top dZ^{(3)}, & db^{(3)} &= \textstyle\sum_i dZ^{(3)}_{i,:} \\
        dZ^{(2)} &= \big(dZ^{(3)} (W^{(3)})^\top\big) \odot \big(1 - (A^{(2)})^2\big) \\
        dW^{(2)} &= (A^{(1)})^\top dZ^{(2)}, & db^{(2)} &= \textstyle\sum_i dZ^{(2)}_{i,:} \\
        dZ^{(1)} &= \big(dZ^{(2)} (W^{(2)})^\top\big) \odot \big(1 - (A^{(1)})^2\big) \\
        dW^{(1)} &= X^\top dZ^{(1)}, & db^{(1)} &= \textstyle\sum_i dZ^{(1)}_{i,:}
        \end{aligned}
        $$

    $Y$ is the one-hot encoding of $y$, $\odot$ the elementwise product, $(A^{(2)})^2$ squares each entry, and
    $\sum_i$ sums the rows (the batch).

    Args:
        y: (m,) integer class labels.
        params: the dict of mlp_forward.
        cache: the cache dict of mlp_forward (entries "X", "Z1", "A1", "Z2", "A2", "Z3", "P");
            the grader passes a correct cache, so read only these entries and do not modify them.
    Returns:
        dict with "W1", "b1", "W2", "b2", "W3", "b3": the gradient $\partial J / \partial \theta$ of each parameter $\theta$, of its shape.
    """
    ### BEGIN SOLUTION
    m = y.shape[0]
    dZ3 = cache["P"].copy()
    dZ3[np.arange(m), y] -= 1.0
    dZ3 /= m
    dZ2 = (dZ3 @ params["W3"].T) * (1.0 - cache["A2"] ** 2)
    dZ1 = (dZ2 @ params["W2"].T) * (1.0 - cache["A1"] ** 2)
    return {
        "W3": cache["A2"].T @ dZ3, "b3": dZ3.sum(axis=0),
        "W2": cache["A1"].T @ dZ2, "b2": dZ2.sum(axis=0),
        "W1": cache["X"].T @ dZ1, "b1": dZ1.sum(axis=0),
    }
    ### END SOLUTION


def sgd_step(params, grads, lr):
    r"""One step of gradient descent (exercise mlp.sgd_step).

        $$ \theta \leftarrow \theta - \eta \, \frac{\partial J}{\partial \theta} \quad \text{for every parameter } \theta $$

    with the learning rate $\eta$ = `lr`. This is the one function of the topic that may change its input: return
    a new dict, or update the arrays of `params` in place and return `params`.

    Args:
        params: dict name -> array.
        grads: dict with the same names and shapes.
        lr: learning rate, a float > 0.
    Returns:
        dict of the updated parameters.
    """
    ### BEGIN SOLUTION
    return {name: value - lr * grads[name] for name, value in params.items()}
    ### END SOLUTION


def train_mlp(X, y, layer_sizes, lr, epochs, seed):
    r"""Train the MLP with full-batch gradient descent (exercise mlp.train_mlp).

    Initialise with `init_params(layer_sizes, seed)`, then repeat `epochs` times: `mlp_forward`, `mlp_backward`,
    `sgd_step`, on the whole training set each time.

    The grader calls it once, on a 2-D data set of 3 interleaved spiral arms (CS231n's spirals): 100 training
    points per class, so X is (300, 2), with layer_sizes=[2, 32, 32, 3], lr=1.0, epochs=500, seed=0, and a time
    limit of 60 s. The returned parameters must classify at least 90% of 300 held-out points of the same spirals
    correctly; a correct implementation reaches about 99%. It is also graded step by step: on a small data set, for several `lr` and `epochs`, the result must be
    exactly `epochs` full-batch steps of size `lr` from `init_params(layer_sizes, seed)`.

    Args:
        X: (m, n_0) training inputs.
        y: (m,) integer labels.
        layer_sizes: $[n_0, n_1, n_2, C]$.
        lr: learning rate $\eta$.
        epochs: number of gradient-descent steps.
        seed: seed for init_params.
    Returns:
        the trained params dict.
    """
    ### BEGIN SOLUTION
    params = init_params(layer_sizes, seed)
    for _ in range(epochs):
        _, cache = mlp_forward(X, params)
        params = sgd_step(params, mlp_backward(y, params, cache), lr)
    return params
    ### END SOLUTION
