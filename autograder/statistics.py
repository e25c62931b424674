"""Testing that numbers look like i.i.d. N(0, 1) draws, with a provable false-alarm rate.

`standard_normal_test(u, alpha)` runs three tests on the n values of u. Under the
hypothesis that they are i.i.d. N(0, 1), each rejects with probability at most
`alpha`, by an exact bound rather than an asymptotic approximation:

- mean: sqrt(n) * mean(u) is exactly N(0, 1); reject beyond the two-sided alpha quantile.
- variance: S = sum(u^2) is exactly chi-square(n). Chernoff's bound gives
  P(S >= n(1+t)) <= exp(-n/2 (t - ln(1+t))) and P(S <= n(1-t)) <= exp(-n/2 (-t - ln(1-t)));
  t is chosen so that each side is at most alpha/2.
- distribution: the Dvoretzky-Kiefer-Wolfowitz inequality with Massart's constant,
  P(sup_x |F_n(x) - Phi(x)| > eps) <= 2 exp(-2 n eps^2), with eps = sqrt(ln(2/alpha) / (2n)).

So a correct sample fails with probability at most 3 * alpha (union bound). The tests
are deterministic given the sample; the probability is over the draw.
"""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import torch


def _chernoff_t(n: int, alpha_side: float, lower: bool) -> float:
    """Smallest t in (0, 1) with the chi-square Chernoff tail bound <= alpha_side (bisection)."""
    def bound(t):
        rate = (-t - math.log1p(-t)) if lower else (t - math.log1p(t))
        return math.exp(-n / 2 * rate)

    lo, hi = 0.0, 0.999999 if lower else 100.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if bound(mid) <= alpha_side else (mid, hi)
    return hi


def standard_normal_test(u: np.ndarray, alpha: float) -> str | None:
    """None if the values of u pass all three tests, else a sentence saying which failed and how."""
    u = np.asarray(u, dtype=np.float64).ravel()
    n = u.size
    if n < 1000 or not np.all(np.isfinite(u)):
        return "the sample is too small or not finite."
    z = math.sqrt(n) * float(u.mean())
    z_max = NormalDist().inv_cdf(1 - alpha / 2)
    if abs(z) > z_max:
        return f"the mean is {u.mean():.4g} (|z| = {abs(z):.1f} > {z_max:.1f}): the draws are not centred on 0."
    var = float(np.mean(u * u))
    upper, lower = _chernoff_t(n, alpha / 2, False), _chernoff_t(n, alpha / 2, True)
    if not 1 - lower <= var <= 1 + upper:
        return (f"the variance is {var:.4f} times 1/n_in (accepted range [{1 - lower:.4f}, {1 + upper:.4f}]).")
    cdf = torch.special.ndtr(torch.from_numpy(np.sort(u))).numpy()
    steps = np.arange(1, n + 1) / n
    distance = float(max(np.max(steps - cdf), np.max(cdf - (steps - 1 / n))))
    eps = math.sqrt(math.log(2 / alpha) / (2 * n))
    if distance > eps:
        return (f"their distribution is not normal (Kolmogorov distance {distance:.4f} > {eps:.4f}): "
                "draw from a normal distribution, not a uniform one.")
    return None
