"""The reference NumPy conv layer (solutions/cnn.py) against torch CPU, forward + backward, in one run.

    python benchmarks/conv_vs_torch.py [--threads T] [--repeat 7]

DESIGN.md's bar: conv2d forward+backward within 3x of torch CPU on x (64, 16, 32, 32) -> 32 channels, k3, p1.
Both sides run in float64 (torch: F.conv2d, gradients by autograd); torch float32 is timed too, for context.
NumPy's BLAS (OpenBLAS) and torch get the same number of threads: T (default: every CPU, OpenBLAS's own
default), set through OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS before NumPy is imported and
torch.set_num_threads(T). After one warm-up each, the three are timed in turn, --repeat rounds (interleaved, so
that load from other processes hits both sides alike); times are medians, the ratio is the median over rounds of
NumPy time / torch time, all from the same process.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeat", type=int, default=7)
    return p.parse_args()


def interleaved_times(fns: list, repeat: int) -> list[list[float]]:
    """times[r][i]: the wall time of fns[i] in round r (each fn warmed up once first)."""
    for fn in fns:
        fn()
    rounds = []
    for _ in range(repeat):
        row = []
        for fn in fns:
            start = time.perf_counter()
            fn()
            row.append(time.perf_counter() - start)
        rounds.append(row)
    return rounds


def main() -> None:
    args = parse()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before NumPy loads its BLAS
    import numpy as np
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    spec = importlib.util.spec_from_file_location("cnn_solution", ROOT / "solutions" / "cnn.py")
    cnn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cnn)

    rng = np.random.default_rng(0)
    N, C, F_, H, W, K, S, P = 64, 16, 32, 32, 32, 3, 1, 1
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F_, C, K, K)) / np.sqrt(C * K * K)
    b = rng.standard_normal(F_)
    dout = rng.standard_normal((N, F_, H, W))

    def numpy_step():
        out, cache = cnn.conv_forward(x, w, b, S, P)
        return (out, *cnn.conv_backward(dout, cache))

    def torch_step(dtype):
        xt, wt, bt = (torch.tensor(a, dtype=dtype, requires_grad=True) for a in (x, w, b))
        dt = torch.tensor(dout, dtype=dtype)

        def step():
            out = F.conv2d(xt, wt, bt, stride=S, padding=P)
            return (out, *torch.autograd.grad(out, (xt, wt, bt), dt))
        return step

    # the two float64 results agree (a wrong fast conv is no use)
    mine, theirs = numpy_step(), [t.detach().numpy() for t in torch_step(torch.float64)()]
    worst = max(float(np.max(np.abs(m - t)) / np.max(np.abs(t))) for m, t in zip(mine, theirs))

    rounds = interleaved_times([numpy_step, torch_step(torch.float64), torch_step(torch.float32)], args.repeat)
    t_numpy, t_torch64, t_torch32 = (statistics.median(column) for column in zip(*rounds))
    ratio64 = statistics.median(r[0] / r[1] for r in rounds)
    ratio32 = statistics.median(r[0] / r[2] for r in rounds)
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    print(f"conv forward+backward, x ({N}, {C}, {H}, {W}) -> {F_} channels, k{K} s{S} p{P}; "
          f"median of {args.repeat}; {args.threads} thread(s) for NumPy's BLAS ({config.get('name')} "
          f"{config.get('version')}) and torch {torch.__version__} "
          f"(torch.get_num_threads() = {torch.get_num_threads()})")
    print(f"  solutions/cnn.py, NumPy float64   {t_numpy * 1e3:8.1f} ms")
    print(f"  torch F.conv2d + autograd float64 {t_torch64 * 1e3:8.1f} ms")
    print(f"  torch F.conv2d + autograd float32 {t_torch32 * 1e3:8.1f} ms  (context only)")
    print(f"  ratio NumPy / torch float64: {ratio64:.2f}x   (NumPy / torch float32: {ratio32:.2f}x);  "
          f"max relative difference of the results {worst:.1e}")
    sys.exit(0 if ratio64 <= 3.0 and worst < 1e-10 else 1)


if __name__ == "__main__":
    main()
