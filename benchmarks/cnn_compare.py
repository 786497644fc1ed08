"""A convolutional network: fastnoise against a PyTorch CPU peer and against the floor.

Run from the repository root (a script, not a test; see benchmarks/README.md)::

    python benchmarks/cnn_compare.py [--repeats 5] [--K 100] [--T 1000] [--json out.json]
                                     [--network examples/networks/cnn_mnist.h5]

Workload (issue 17): the trained MNIST CNN (``examples/networks/cnn_mnist.h5``;
a random network of the same architecture with ``--random``), the first T MNIST
test images (uniform random images when ``FASTNOISE_DATA`` has none), K
repetitions, all four noise kinds on every convolution and dense layer and the
input layer (:data:`benchmarks._common.NOISE`; pooling and flatten noiseless).

In one process, interleaved round by round, it times

(a) ``fn.simulate`` in float32 and float64 (all Numba threads, compiled before);
(b) ``simulate_torch_cnn`` (``benchmarks/torch_cnn_impl.py``) in float32 with
    ``torch.set_num_threads`` = the Numba thread count;
(c) the floor of the same work, each part alone, laid out as fastnoise runs it
    (the inputs split over its threads, one BLAS thread each): the GEMMs of
    every layer for K rows per input (a convolution as its patch GEMM,
    (K·H'·W', k_h·k_w·C) @ (k_h·k_w·C, C'), a dense layer (K, I) @ (I, I')),
    and (d) fastnoise's own generator drawing the same normals alone; and, for
    reference, PyTorch's noiseless float32 forward pass of the K·T images (its
    convolutions through oneDNN).

It prints the medians, the ratios torch/fastnoise and fastnoise/floor, and the
issue's target (fastnoise float32 ≥ 3x faster than the PyTorch peer).  Peak
memory against K is ``benchmarks/memory_k.py --cnn``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NETWORK = os.path.join("examples", "networks", "cnn_mnist.h5")


def cnn_network(path: str | None = NETWORK, random: bool = False):
    """The trained MNIST CNN, or (``random`` or no file) one of its architecture with
    random weights: 28×28×1 → conv 3×3×16 relu → max 2 → conv 3×3×32 relu → max 2
    → flatten → dense 64 relu → dense 10 logistic."""
    import fastnoise as fn
    from fastnoise.network import Conv2D, Dense, Flatten, MaxPool2D, Network

    if not random and path and os.path.exists(path):
        return fn.Network.load(path), path
    rng = np.random.default_rng(0)
    c1 = Conv2D(rng.normal(0, 1 / 3, (3, 3, 1, 16)), rng.normal(0, 0.1, 16), in_shape=(28, 28, 1),
                activation="relu")
    p1 = MaxPool2D(2, in_shape=c1.out_shape)
    c2 = Conv2D(rng.normal(0, 1 / 12, (3, 3, 16, 32)), rng.normal(0, 0.1, 32), in_shape=p1.out_shape,
                activation="relu")
    p2 = MaxPool2D(2, in_shape=c2.out_shape)
    fl = Flatten(p2.out_shape)
    d1 = Dense(rng.normal(0, 1 / 28, (64, fl.out_size)), rng.normal(0, 0.1, 64), "relu")
    d2 = Dense(rng.normal(0, 1 / 8, (10, 64)), rng.normal(0, 0.1, 10), "logistic")
    return Network.from_ops((28, 28, 1), [c1, p1, c2, p2, fl, d1, d2]), "random weights"


def mnist_inputs(T: int) -> tuple[np.ndarray, str]:
    """The first T MNIST test images in [0, 1], or uniform random images."""
    try:
        from fastnoise.train.data import task_data

        u = task_data("mnist", "test")[0][:T]
        return np.ascontiguousarray(u, dtype=np.float64), "MNIST test images"
    except Exception as exc:  # no data here: the timing does not depend on the pixel values
        print(f"(no MNIST data: {type(exc).__name__}; uniform random images)", file=sys.stderr)
        return np.random.default_rng(0).uniform(0, 1, (T, 784)), "uniform random images"


def gemm_shapes(net, K: int) -> list:
    """(m, k, n) of every layer's GEMM for K repetitions of one input."""
    shapes = []
    for op in net.ops:
        if op.kind == "conv2d":
            kh, kw, c, co = op.kernel.shape
            ho, wo, _ = op.out_shape
            shapes.append((K * ho * wo, kh * kw * c, co))
        elif op.kind == "dense":
            shapes.append((K, op.weights.shape[1], op.weights.shape[0]))
    return shapes


class Workload:
    def __init__(self, net, u, noise, K):
        import numba

        from benchmarks._common import own_normals  # noqa: F401  (compiled in warm-up)
        from fastnoise.noise import per_layer

        self.net, self.u, self.noise, self.K, self.T = net, u, noise, K, len(u)
        self.threads = numba.get_num_threads()
        bounds = np.linspace(0, self.T, self.threads + 1).astype(int)
        self.chunks = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
        self.pool = ThreadPoolExecutor(max_workers=len(self.chunks))
        self.shapes = gemm_shapes(net, K)
        rng = np.random.default_rng(0)
        self.ops = []
        for m, k, n in self.shapes:
            a = rng.uniform(0, 1, (m, k)).astype(np.float32)
            w = (rng.normal(size=(k, n)) / np.sqrt(k)).astype(np.float32)
            self.ops.append((a, w, [np.empty((m, n), np.float32) for _ in self.chunks]))
        noises = per_layer(noise, net)
        self.counts = np.array([w + 2 if (nz.multiplicative or nz.additive) else
                                (2 if (nz.multiplicative_correlated or nz.additive_correlated) else 0)
                                for w, nz in zip(net.widths, noises)], np.int64)
        self.n_normals = int(self.counts.sum()) * K * self.T
        self.gemm_flop = 2 * self.T * sum(m * k * n for m, k, n in self.shapes)

    def fastnoise(self, precision):
        import fastnoise as fn

        return fn.simulate(self.net, self.u, self.noise, repeats=self.K, seed=1, precision=precision)

    def torch(self):
        from benchmarks.torch_cnn_impl import simulate_torch_cnn

        return simulate_torch_cnn(self.net, self.u, self.noise, self.K, seed=1, block=8,
                                  dtype="float32", threads=self.threads)

    def torch_noiseless(self):
        """PyTorch's noiseless float32 forward pass of the K·T images (oneDNN convolutions)."""
        import torch
        import torch.nn.functional as F

        from benchmarks.torch_impl import torch_threads

        with torch_threads(self.threads), torch.inference_mode():
            ws = [(torch.tensor(np.array(op.kernel.transpose(3, 2, 0, 1)), dtype=torch.float32),
                   torch.tensor(np.array(op.bias), dtype=torch.float32)) if op.kind == "conv2d" else
                  (torch.tensor(np.array(op.weights.T), dtype=torch.float32),
                   torch.tensor(np.array(op.bias), dtype=torch.float32)) if op.kind == "dense" else None
                  for op in self.net.ops]
            u = torch.tensor(self.u, dtype=torch.float32).view(-1, 1, 28, 28)
            for t0 in range(0, self.T, 8):
                x = u[t0:t0 + 8].repeat_interleave(self.K, dim=0)
                for op, w in zip(self.net.ops, ws):
                    if op.kind == "conv2d":
                        x = F.conv2d(x, w[0], w[1], stride=op.strides).relu_()
                    elif op.kind == "maxpool2d":
                        x = F.max_pool2d(x, op.pool_size, op.strides)
                    elif op.kind == "flatten":
                        x = x.flatten(1)
                    else:
                        x = torch.addmm(w[1], x, w[0])

    def gemms(self):
        from threadpoolctl import threadpool_limits

        def part(slot, start, stop):
            for _ in range(start, stop):
                for a, w, outs in self.ops:
                    np.matmul(a, w, out=outs[slot])

        with threadpool_limits(1, "blas"):
            list(self.pool.map(lambda s: part(s, *self.chunks[s]), range(len(self.chunks))))

    def normals(self):
        from benchmarks._common import own_normals

        own_normals(self.counts, self.K, self.T, np.zeros(1, np.float32), np.empty(self.T))


def main(argv=None) -> int:
    import fastnoise as fn
    from benchmarks._common import NOISE

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="rounds of interleaved timings (default 5)")
    ap.add_argument("--K", type=int, default=100, help="repetitions (default 100)")
    ap.add_argument("--T", type=int, default=1000, help="inputs (default 1000)")
    ap.add_argument("--network", default=NETWORK, help=f"network file (default {NETWORK})")
    ap.add_argument("--random", action="store_true", help="random weights of the same architecture")
    ap.add_argument("--json", help="write the medians and ratios here")
    args = ap.parse_args(argv)
    net, source = cnn_network(args.network, args.random)
    u, what = mnist_inputs(args.T)
    w = Workload(net, u, NOISE, args.K)
    print(f"network: {source}; widths {list(net.widths)}; {what}; K={args.K}, T={args.T}; "
          f"{w.threads} threads; noise {NOISE}")
    items = {"fastnoise_float32": lambda: w.fastnoise("float32"),
             "fastnoise_float64": lambda: w.fastnoise("float64"),
             "torch_float32": w.torch, "gemms_float32": w.gemms, "own_normals_float32": w.normals,
             "torch_noiseless_float32": w.torch_noiseless}
    small = Workload(net, u[:8], NOISE, args.K)   # warm-up: compile and load everything
    for f in (lambda: small.fastnoise("float32"), lambda: small.fastnoise("float64"), small.torch,
              small.gemms, small.normals):
        f()
    samples = {k: [] for k in items}
    for r in range(args.repeats):
        for k, f in items.items():
            t0 = time.perf_counter()
            f()
            samples[k].append(time.perf_counter() - t0)
        print(f"  round {r + 1}/{args.repeats}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in samples.items()),
              flush=True)
    med = {k: float(np.median(v)) for k, v in samples.items()}
    floor = med["gemms_float32"] + med["own_normals_float32"]
    ratios = {"torch_float32/fastnoise_float32": med["torch_float32"] / med["fastnoise_float32"],
              "fastnoise_float32/floor": med["fastnoise_float32"] / floor,
              "fastnoise_float64/fastnoise_float32": med["fastnoise_float64"] / med["fastnoise_float32"],
              "torch_noiseless/fastnoise_float32": med["torch_noiseless_float32"] / med["fastnoise_float32"]}
    print("\nmedians (s): " + ", ".join(f"{k} {v:.3f}" for k, v in med.items()))
    print(f"floor (GEMMs + own normals, float32): {floor:.3f} s "
          f"({w.gemm_flop / 1e9:.1f} GFLOP, {w.n_normals / 1e9:.2f} G normals)")
    for k, v in ratios.items():
        print(f"  {k}: {v:.2f}")
    target = ratios["torch_float32/fastnoise_float32"] >= 3.0
    print(f"target fastnoise float32 ≥ 3x faster than PyTorch float32: "
          f"{'PASS' if target else 'FAIL'} ({ratios['torch_float32/fastnoise_float32']:.2f}x)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"medians_s": med, "ratios": ratios, "floor_s": floor, "K": args.K, "T": args.T,
                       "network": source, "inputs": what, "threads": w.threads}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
