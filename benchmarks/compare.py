"""Compare fastnoise with plain NumPy and PyTorch implementations and with the hardware floor.

Run from the repository root (a script, not a test; see benchmarks/README.md)::

    python benchmarks/compare.py [--repeats 5] [--quick] [--json out.json]
                                 [--workloads W3,WA,A100in0,A100] [--figure out.png]
                                 [--plot-json out.json --figure out.png]
                                 [--torch-dtype float32|float64|both]

In one process, for each workload (W3: the paper's Fig. 3 setting,
1-200-200-1, K = 300, T = 1000, all four noise kinds; WA: 784-200-200-10 with
logistic hidden and output layers, same noise, K = 300, T = 1000), it times

(a) ``fn.simulate`` (all Numba threads, kernels compiled beforehand);
(a') the same with ``precision="float32"``;
(b) ``simulate_numpy`` from ``benchmarks/numpy_impl.py``;
    twice: with BLAS at its default thread count (what a user gets) and with
    BLAS limited to one thread (often faster for these small products);
(b') ``simulate_torch`` from ``benchmarks/torch_impl.py``: PyTorch on the
    CPU, float32 by default (what a PyTorch user picks for speed; float64
    with ``--torch-dtype float64``), ``torch.set_num_threads`` = fastnoise's
    Numba thread count; skipped, with a note, when torch is not importable;
(c) the unavoidable floor: the noiseless matrix products of the same shapes
    through BLAS, one (K x I_{n-1}) @ (I_{n-1} x I_n) GEMM per input and
    layer, in float64 and in float32, laid out as fastnoise runs them: one
    BLAS thread per GEMM, the inputs split over as many Python threads as
    fastnoise has Numba threads (``np.matmul`` releases the GIL).  For
    reference also the plain serial loop with BLAS at its default thread
    count (float64);
(d) drawing the same number of standard normals with NumPy's
    ``default_rng().standard_normal`` (one thread, 2**20 at a time).

A100in0 and A100 (``--workloads A100in0,A100``; issue "Speed on trained
networks") are WA's network and inputs with K = 100 and additive noise
D_A^U = 1e-4 after every activation, on every layer (A100) or with a
noiseless input layer (A100in0).  For them it times fastnoise in float64 and
float32, the PyTorch peer in float32 and float64 (``--torch-dtype``, default
both; block size ``TORCH_BLOCK``), and the floor of what fastnoise must do,
each part alone, laid out as fastnoise runs (inputs split over its thread
count): the noiseless GEMMs with its shared prefix (one row per input up to
and including the first noisy layer, K rows after it; with A100's projected
input noise, layer 1's one row plus the K x 201 @ 201 x 200 product that
carries the noise) and the normals, I_n + 2 per noisy layer, repetition and
input (I_1 + 2 for a projected input layer), in float64 and float32, drawn
(d) by NumPy and (e) by fastnoise's own generator alone;
floor_<dtype> = GEMMs + (d), own_floor_<dtype> = GEMMs + (e) (sums of the
medians; the "within 2x of the floor" targets use the lower, own floor).  No
NumPy peer there.

``--workloads CNN`` runs ``benchmarks/cnn_compare.py`` (the trained MNIST CNN,
all four noise kinds, K = 100, T = 1000: fastnoise in both precisions, its
PyTorch peer ``benchmarks/torch_cnn_impl.py`` and the floor of the same work),
with the same ``--repeats``, ``--quick`` (T = 200) and ``--json`` (written to
``<json stem>_cnn.json``).

The measurements are interleaved (one run of each, then the next round) so
that a change in machine load affects them alike; the table shows medians of
``--repeats`` rounds and their ratios, and checks the performance issue's
targets (PASS/FAIL, see ``TARGETS``) on the medians.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

if __name__ == "__main__":  # run as a file: make the checkout importable
    _ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if _ROOT not in sys.path:
        sys.path.insert(0, _ROOT)

#: Normals drawn per call in the NumPy RNG measurement.
_CHUNK = 2 ** 20


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_flags() -> set:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def machine_info() -> dict:
    """CPU, core count, library versions and the BLAS that numpy loaded."""
    import numba
    import numpy as np
    from threadpoolctl import threadpool_info

    import fastnoise as fn

    blas = [
        {k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads",
                                 "threading_layer", "filepath")}
        for d in threadpool_info() if d.get("user_api") == "blas"
    ]
    flags = _cpu_flags()
    simd = [f for f in ("avx2", "fma", "avx512f") if f in flags]
    try:
        import torch
        torch_version = f"{torch.__version__} ({torch.get_num_threads()} threads by default)"
    except ImportError:
        torch_version = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=os.path.dirname(os.path.abspath(__file__)),
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "simd": simd,
        "cores": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "numba_threads": numba.get_num_threads(),
        "threading_layer": numba.config.THREADING_LAYER,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "torch": torch_version,
        "fastnoise": fn.__version__,
        "commit": commit,
        "blas": blas,
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                "NUMBA_NUM_THREADS")},
    }


class _Workload:
    """Everything needed to time one workload, built outside the timings."""

    def __init__(self, name, net, inputs, noise, repeats):
        import numba
        import numpy as np

        self.name, self.net, self.u, self.noise, self.K = name, net, inputs, noise, repeats
        self.T = inputs.shape[0]
        self.n_normals, self.shapes = self._work()
        self.gemm_flop = 2 * self.T * sum(m * k * n for m, k, n in self.shapes)
        self.threads = numba.get_num_threads()
        bounds = np.linspace(0, self.T, self.threads + 1).astype(int)
        self.chunks = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
        self.pool = ThreadPoolExecutor(max_workers=len(self.chunks))
        self.gemm = self._floor_operands()
        self.normals_buf = np.ones(_CHUNK)

    def _work(self):
        """The normals fastnoise draws and the GEMM shapes (m, k, n) per input."""
        from benchmarks._common import gemm_shapes, n_normals

        return n_normals(self.net.widths, self.K, self.T), gemm_shapes(self.net.widths, self.K)

    def _floor_operands(self) -> dict:
        """Operands of the floor: one (m x I_{n-1}) activation block per layer
        (m from ``self.shapes``), the real weights W^T, one preallocated output
        per layer and thread; float64 and float32."""
        import numpy as np

        rng = np.random.default_rng(0)
        gemm = {}
        for dt in (np.float64, np.float32):
            ops = []
            for m, k, nn in self.shapes:  # weights of the network's scale (values do not matter)
                a = rng.uniform(0.0, 1.0, (m, k)).astype(dt)
                w = (rng.normal(size=(k, nn)) / np.sqrt(k)).astype(dt)
                ops.append((a, w, [np.ones((m, nn), dt) for _ in range(len(self.chunks) + 1)]))
            gemm[np.dtype(dt).name] = ops
        return gemm

    def close(self):
        self.pool.shutdown()

    # -- the measurements ----------------------------------------------------
    def fastnoise(self):
        import fastnoise as fn

        return fn.simulate(self.net, self.u, self.noise, repeats=self.K, seed=1)

    def fastnoise32(self):
        import fastnoise as fn

        return fn.simulate(self.net, self.u, self.noise, repeats=self.K, seed=1,
                           precision="float32")

    #: dtype of the PyTorch peer (``--torch-dtype``; "both": float32 in the
    #: "torch" column, float64 in an extra one)
    torch_dtype = "float32"
    #: inputs per batch of the PyTorch peer
    torch_block = 16

    def torch(self, dtype=None):
        from benchmarks.torch_impl import simulate_torch

        if dtype is None:
            dtype = "float32" if self.torch_dtype == "both" else self.torch_dtype
        return simulate_torch(self.net, self.u, self.noise, self.K, seed=1, block=self.torch_block,
                              dtype=dtype, threads=self.threads)

    def numpy(self, blas_threads=None):
        from threadpoolctl import threadpool_limits

        from benchmarks.numpy_impl import simulate_numpy

        with threadpool_limits(limits=blas_threads, user_api="blas"):
            return simulate_numpy(self.net, self.u, self.noise, self.K, seed=1)

    def _gemms(self, dtype, start, stop, slot):
        import numpy as np

        ops = self.gemm[dtype]
        for _ in range(start, stop):
            for a, w, outs in ops:
                np.matmul(a, w, out=outs[slot])

    def blas(self, dtype):
        """The floor: single-threaded GEMMs, inputs split over the threads."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            futures = [self.pool.submit(self._gemms, dtype, a, b, i)
                       for i, (a, b) in enumerate(self.chunks)]
            for f in futures:
                f.result()

    def blas_serial(self, dtype):
        """Serial loop over the inputs, BLAS at its default thread count."""
        self._gemms(dtype, 0, self.T, len(self.chunks))

    def normals(self):
        import numpy as np

        gen = np.random.default_rng(1)
        buf = self.normals_buf
        left = self.n_normals
        while left >= _CHUNK:
            gen.standard_normal(out=buf)
            left -= _CHUNK
        if left:
            gen.standard_normal(out=buf[:left])


#: Inputs per batch of the PyTorch peer for the A100 workloads: the fastest
#: in ``benchmarks/torch_block_sweep.py`` (blocks 4-128, float32 and float64,
#: T = 1000) on the 2-core VM; 8-32 were within 3 % of each other, 64 and 128
#: 5-15 % slower (README).  W3/WA keep ``_Workload.torch_block`` = 16.
TORCH_BLOCK = {"A100in0": 16, "A100": 16}


class _SharedWorkload(_Workload):
    """A100 / A100in0: network A's shape, noise given per layer, K = 100.

    Measured: fastnoise in float64 and float32, the PyTorch peer in float32
    and float64 (``--torch-dtype``, default both), and the floor of what
    fastnoise must do, timed alone and laid out as fastnoise runs (inputs
    split over the Numba thread count, one BLAS thread each):

    * the noiseless GEMMs with fastnoise's shared prefix: one row per input
      (1 x I_{n-1} @ I_{n-1} x I_n) for the layers up to and including the
      first noisy one, K rows after it, and the projected input noise's
      product where fastnoise projects it (``_common.shared_gemm_shapes``);
    * the standard normals fastnoise draws, I_n + 2 per noisy layer,
      repetition and input (``_common.noisy_normals``), (d) from NumPy's
      ``default_rng().standard_normal`` (one generator per thread, float64, or
      ``dtype=float32`` for the float32 floor) and (e) from fastnoise's own
      generator alone (``_common.own_normals``).

    floor_<dtype> = median GEMMs + median (d); own_floor_<dtype> = median
    GEMMs + median (e).
    """

    def __init__(self, name, net, inputs, noise, repeats):
        import numpy as np

        super().__init__(name, net, inputs, noise, repeats)
        self.torch_block = TORCH_BLOCK.get(name, 16)
        # normals per thread in proportion to its inputs; one buffer per thread and dtype
        self.normal_counts = [self.n_normals * (b - a) // self.T for a, b in self.chunks]
        self.normal_counts[-1] += self.n_normals - sum(self.normal_counts)
        self.normal_bufs = {np.dtype(dt).name: [np.ones(_CHUNK, dt) for _ in self.chunks]
                            for dt in (np.float64, np.float32)}

    def _work(self):
        """Noisy layers' normals only, and one GEMM row per input up to the first noisy
        layer; the input noise's product in layer 1's space where fastnoise projects it."""
        from benchmarks._common import (first_noisy, noisy_normals, projected_input,
                                        shared_gemm_shapes)

        self.first = first_noisy(self.noise, self.net.n_layers)
        self.projected = projected_input(self.net, self.u, self.noise, self.K)
        return (noisy_normals(self.net.widths, self.noise, self.K, self.T, self.projected),
                shared_gemm_shapes(self.net.widths, self.K, self.first, self.projected))

    def own_normals(self, dtype):
        """The same normals from fastnoise's own generator alone, all threads."""
        import numpy as np

        from benchmarks._common import normals_per_layer, own_normals

        counts = np.array(normals_per_layer(self.net.widths, self.noise, self.projected), np.int64)
        own_normals(counts, self.K, self.T, np.zeros(1, dtype), np.empty(self.T))

    def torch_dtypes(self):
        return ("float32", "float64") if self.torch_dtype == "both" else (self.torch_dtype,)

    @staticmethod
    def _draw(seed, count, buf):
        import numpy as np

        gen = np.random.default_rng(seed)
        while count >= buf.size:
            gen.standard_normal(dtype=buf.dtype, out=buf)
            count -= buf.size
        if count:
            gen.standard_normal(dtype=buf.dtype, out=buf[:count])

    def normals_parallel(self, dtype):
        """fastnoise's count of normals, split over the threads (NumPy releases the GIL)."""
        futures = [self.pool.submit(self._draw, 1 + i, c, buf) for i, (c, buf)
                   in enumerate(zip(self.normal_counts, self.normal_bufs[dtype]))]
        for f in futures:
            f.result()

    def noise_text(self) -> str:
        from fastnoise.noise import per_layer

        parts = []
        for n, nz in enumerate(per_layer(self.noise, self.net.n_layers)):
            on = {k: v for k, v in nz.to_dict().items() if v}
            parts.append(",".join(f"{k}={v:g}" for k, v in on.items()) or "none")
        return "; ".join(f"L{n}: {p}" for n, p in enumerate(parts))


def _agreement(res, means, vars_) -> dict:
    """Ratio of fastnoise's to NumPy's summed output variance, per layer (≈ 1)."""
    import numpy as np

    return {f"layer{n}": float(np.sum(res.var[n]) / np.sum(vars_[n])) for n in range(len(vars_))}


#: Measurement keys, in the order of the table, with their labels.
LABELS = {
    "fastnoise": "(a) fastnoise fn.simulate",
    "fastnoise32": "    fastnoise, precision=float32",
    "torch": "(b') PyTorch CPU, {torch_dtype}",
    "torch_float64": "(b') PyTorch CPU, float64",
    "numpy": "(b) NumPy, BLAS default threads",
    "numpy_blas1": "(b) NumPy, BLAS 1 thread",
    "blas_float64": "(c) BLAS floor, float64",
    "blas_float32": "(c) BLAS floor, float32",
    "blas_float64_serial": "    float64, serial loop, BLAS default",
    "numpy_normals": "(d) NumPy default_rng normals",
}


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


#: The performance targets (issue "Performance"), checked on the medians:
#: (ratio key, comparison, bound, text).  "fastnoise_best" is the faster of
#: fn.simulate in float64 and in float32, "numpy_best" the faster of the two
#: NumPy variants (BLAS default threads / 1 thread): the stricter reading.
TARGETS = {"W3": [("numpy_best/fastnoise_best", ">=", 12.0, "W3 ≥ 12x faster than NumPy"),
                  ("torch/fastnoise_best", ">=", 15.0, "W3 ≥ 15x faster than PyTorch CPU"),
                  ("fastnoise_best/blas_float32", "<=", 3.0,
                   "W3 within 3x of the float32 BLAS floor")],
           "WA": [("numpy_best/fastnoise_best", ">=", 8.0, "WA ≥ 8x faster than NumPy")],
           # issue "Speed on trained networks", item 4: network A's shape, K = 100,
           # additive noise after every activation; the floor of fastnoise float32
           # is own_floor_float32 = float32 GEMMs (shared prefix, projection) +
           # fastnoise's own float32 generator alone, both on all threads (lower than
           # with NumPy's normals; see _SharedWorkload)
           "A100in0": [("torch_float32/fastnoise32", ">=", 2.0,
                        "A100in0 fastnoise float32 ≥ 2x faster than the PyTorch float32 peer"),
                       ("torch_float64/fastnoise", ">=", 1.5,
                        "A100in0 fastnoise float64 ≥ 1.5x faster than the PyTorch float64 peer"),
                       ("fastnoise32/own_floor_float32", "<=", 2.0,
                        "A100in0 fastnoise float32 within 2x of the float32 floor "
                        "(f32 GEMMs + fastnoise's f32 normals)"),
                       ("fastnoise/own_floor_float64", "<=", 2.0,
                        "A100in0 fastnoise float64 within 2x of the float64 floor "
                        "(f64 GEMMs + fastnoise's f64 normals)")],
           "A100": [("torch_float32/fastnoise32", ">=", 2.5,
                     "A100 fastnoise float32 ≥ 2.5x faster than the PyTorch float32 peer"),
                    ("torch_float64/fastnoise", ">=", 1.5,
                     "A100 fastnoise float64 ≥ 1.5x faster than the PyTorch float64 peer"),
                    ("fastnoise32/own_floor_float32", "<=", 2.0,
                     "A100 fastnoise float32 within 2x of the float32 floor "
                     "(f32 GEMMs + fastnoise's f32 normals)"),
                    ("fastnoise/own_floor_float64", "<=", 2.0,
                     "A100 fastnoise float64 within 2x of the float64 floor "
                     "(f64 GEMMs + fastnoise's f64 normals)")]}

#: Rows of the A100 / A100in0 table.
SHARED_LABELS = {
    "fastnoise": "(a) fastnoise fn.simulate, float64",
    "fastnoise32": "(a') fastnoise, precision=float32",
    "torch_float32": "(b') PyTorch peer, float32",
    "torch_float64": "(b') PyTorch peer, float64",
    "blas_float64": "(c) GEMM floor, float64",
    "blas_float32": "(c) GEMM floor, float32",
    "normals_float64": "(d) NumPy normals, float64",
    "normals_float32": "(d) NumPy normals, float32",
    "own_normals_float64": "(e) fastnoise's generator, float64",
    "own_normals_float32": "(e) fastnoise's generator, float32",
}


def _target_lines(name: str, ra: dict) -> list:
    lines = []
    for key, op, bound, text in TARGETS.get(name, []):
        if key not in ra:
            lines.append(f"  target {text}: not measured -> FAIL")
            continue
        ok = ra[key] >= bound if op == ">=" else ra[key] <= bound
        lines.append(f"  target {text}: {key} = {ra[key]:.2f} -> {'PASS' if ok else 'FAIL'}")
    return lines


def _format_shared(name: str, r: dict) -> list:
    med, ra, rt = r["median_s"], r["ratios"], r["rates"]
    f64, f32 = med["fastnoise"], med["fastnoise32"]
    shapes = ", ".join(f"{m}x{k}@{k}x{n}" for m, k, n in r["gemm_shapes"])
    lines = [f"{name}: widths {'-'.join(map(str, r['widths']))}, K={r['K']}, T={r['T']}, "
             f"noise {r['noise']}",
             f"  {r['n_normals']:.3g} normals (fastnoise's: I_n + 2 per noisy layer, repetition, "
             f"input), {r['gemm_flop'] / 1e9:.3g} GFLOP of GEMMs ({shapes} per input)",
             f"  {'measurement':38s} {'median s':>9s} {'min s':>8s} {'max s':>8s} "
             f"{'/ fn f64':>9s} {'/ fn f32':>9s}"]
    for key, label in SHARED_LABELS.items():
        if key not in r["samples_s"]:
            continue
        s = r["samples_s"][key]
        if key.startswith("torch"):
            label += f" (block {r['torch_block']})"
        elif key.startswith(("blas", "normals", "own_normals")):
            label += f", {r['threads']} thr"
        lines.append(f"  {label:38s} {med[key]:9.3f} {min(s):8.3f} {max(s):8.3f} "
                     f"{med[key] / f64:9.2f} {med[key] / f32:9.2f}")
    for key, part in (("floor_s", "d"), ("own_floor_s", "e")):
        for dt, v in r[key].items():
            label = f"{'own ' if part == 'e' else ''}floor {dt} = (c) + ({part})"
            lines.append(f"  {label:38s} {v:9.3f} {'':8s} {'':8s} {v / f64:9.2f} {v / f32:9.2f}")
    vs = []
    if "torch_float32/fastnoise32" in ra:
        vs.append(f"float32 {ra['torch_float32/fastnoise32']:.2f}x faster (torch_float32/fastnoise32)")
    if "torch_float64/fastnoise" in ra:
        vs.append(f"float64 {ra['torch_float64/fastnoise']:.2f}x faster (torch_float64/fastnoise)")
    lines.append(f"  fastnoise vs PyTorch peer ({r['threads']} threads): " + ("; ".join(vs) or
                 "not measured (torch is not importable)"))
    lines.append(f"  fastnoise / floor: float32 {ra['fastnoise32/floor_float32']:.2f} "
                 f"(fastnoise32/floor_float32), float64 {ra['fastnoise/floor_float64']:.2f} "
                 f"(fastnoise/floor_float64); / own floor: float32 "
                 f"{ra['fastnoise32/own_floor_float32']:.2f}, float64 "
                 f"{ra['fastnoise/own_floor_float64']:.2f}; / GEMMs alone: "
                 f"{ra['fastnoise32/blas_float32']:.1f} (f32), {ra['fastnoise/blas_float64']:.1f} (f64)")
    lines.append(f"  rates: fastnoise {rt['fastnoise_Mnormals_per_s']:.0f} / "
                 f"{rt['fastnoise32_Mnormals_per_s']:.0f} M normals/s all included (f64 / f32), "
                 f"NumPy RNG {rt['numpy_Mnormals_per_s']:.0f} / {rt['numpy32_Mnormals_per_s']:.0f} "
                 f"M normals/s, fastnoise's generator alone {rt['own_Mnormals_per_s']:.0f} / "
                 f"{rt['own32_Mnormals_per_s']:.0f} M normals/s, GEMMs "
                 f"{rt['blas_float64_GFLOP_per_s']:.0f} / "
                 f"{rt['blas_float32_GFLOP_per_s']:.0f} GFLOP/s ({r['threads']} threads)")
    for dt, agree in r["var_ratio_fastnoise_over_torch"].items():
        text = ", ".join(v if isinstance(v, str) else f"{v:.3f}" for v in agree.values())
        lines.append(f"  check: summed variance fastnoise / PyTorch {dt} per layer = {text} (≈ 1)")
    return lines + _target_lines(name, ra)


def run(workloads, repeats: int, log=print) -> dict:
    import numpy as np

    from benchmarks._common import warm_up

    out = {}
    for w in workloads:
        if isinstance(w, _SharedWorkload):
            out[w.name] = _run_shared(w, repeats, log)
            continue
        log(f"{w.name}: widths {list(w.net.widths)}, K={w.K}, T={w.T}, "
            f"{w.n_normals:.3g} normals, {w.gemm_flop / 1e9:.3g} GFLOP of GEMMs")
        warm_up(w.net, w.noise, repeats=w.K)  # compile/load the kernels (not timed)
        items = {
            "fastnoise": w.fastnoise,
            "fastnoise32": w.fastnoise32,
            "torch": w.torch,
            "torch_float64": lambda w=w: w.torch("float64"),
            "numpy": w.numpy,
            "numpy_blas1": lambda w=w: w.numpy(blas_threads=1),
            "blas_float64": lambda w=w: w.blas("float64"),
            "blas_float32": lambda w=w: w.blas("float32"),
            "blas_float64_serial": lambda w=w: w.blas_serial("float64"),
            "numpy_normals": w.normals,
        }
        # one untimed pass (page faults, BLAS buffers, lazy imports) and a
        # check that the two simulations agree
        res = w.fastnoise()
        means, vars_ = w.numpy()
        agree = _agreement(res, means, vars_)
        if w.torch_dtype != "both":
            items.pop("torch_float64")
        if _has_torch():
            agree_torch = _agreement(res, *w.torch())
            if "torch_float64" in items:
                w.torch("float64")
        else:
            agree_torch = None
            items.pop("torch")
            items.pop("torch_float64", None)
            log("  note: torch is not importable: no PyTorch column")
        w.fastnoise32()
        del res, means, vars_
        for key in ("blas_float64", "blas_float32", "blas_float64_serial", "numpy_normals"):
            items[key]()
        samples = _interleave(items, repeats, log)
        w.close()
        med = {k: float(np.median(v)) for k, v in samples.items()}
        best_numpy = min(med["numpy"], med["numpy_blas1"])
        out[w.name] = {
            "widths": list(w.net.widths), "K": w.K, "T": w.T, "n_normals": w.n_normals,
            "gemm_flop": w.gemm_flop, "threads": w.threads, "samples_s": samples,
            "median_s": med,
            "ratios": {
                "numpy/fastnoise": med["numpy"] / med["fastnoise"],
                "numpy_best/fastnoise": best_numpy / med["fastnoise"],
                "fastnoise/blas_float64": med["fastnoise"] / med["blas_float64"],
                "fastnoise/blas_float32": med["fastnoise"] / med["blas_float32"],
                "fastnoise/numpy_normals": med["fastnoise"] / med["numpy_normals"],
            },
            "rates": {
                "fastnoise_Mnormals_per_s": w.n_normals / med["fastnoise"] / 1e6,
                "numpy_Mnormals_per_s": w.n_normals / med["numpy_normals"] / 1e6,
                "blas_float64_GFLOP_per_s": w.gemm_flop / med["blas_float64"] / 1e9,
                "blas_float32_GFLOP_per_s": w.gemm_flop / med["blas_float32"] / 1e9,
            },
            "var_ratio_fastnoise_over_numpy": agree,
            "var_ratio_fastnoise_over_torch": agree_torch,
            "torch_dtype": ((_Workload.torch_dtype if _Workload.torch_dtype != "both" else "float32")
                            if "torch" in items else None),
        }
        best_fn = min(med["fastnoise"], med["fastnoise32"])
        out[w.name]["ratios"].update({
            "numpy/fastnoise_best": med["numpy"] / best_fn,
            "numpy_best/fastnoise_best": best_numpy / best_fn,
            "fastnoise_best/blas_float32": best_fn / med["blas_float32"],
        })
        if "torch" in med:
            out[w.name]["ratios"].update({
                "torch/fastnoise": med["torch"] / med["fastnoise"],
                "torch/fastnoise32": med["torch"] / med["fastnoise32"],
                "torch/fastnoise_best": med["torch"] / best_fn,
            })
        if "torch_float64" in med:
            out[w.name]["ratios"]["torch_float64/fastnoise"] = med["torch_float64"] / med["fastnoise"]
    return out


def _interleave(items: dict, repeats: int, log) -> dict:
    """Time every item once per round, ``repeats`` rounds; the samples per key."""
    samples = {k: [] for k in items}
    for r in range(repeats):
        for key, func in items.items():
            t0 = time.perf_counter()
            func()
            samples[key].append(time.perf_counter() - t0)
        log(f"  round {r + 1}/{repeats}: "
            + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in samples.items()))
    return samples


def _agreement_or_zero(res, vars_) -> dict:
    """Σvar fastnoise / Σvar peer per layer; "both 0" for a noiseless layer where
    both are exactly zero (anything else there is reported as the two sums)."""
    import numpy as np

    out = {}
    for n in range(len(vars_)):
        a, b = float(np.sum(res.var[n])), float(np.sum(vars_[n]))
        out[f"layer{n}"] = a / b if b else ("both 0" if a == 0.0 else f"{a:.3g} / 0")
    return out


def _run_shared(w: "_SharedWorkload", repeats: int, log) -> dict:
    """A100 / A100in0: fastnoise f64 and f32, the PyTorch peer per dtype, the floor."""
    import numpy as np

    from benchmarks._common import warm_up

    log(f"{w.name}: widths {list(w.net.widths)}, K={w.K}, T={w.T}, noise {w.noise_text()}; "
        f"{w.n_normals:.3g} normals, {w.gemm_flop / 1e9:.3g} GFLOP of GEMMs (shared prefix "
        f"up to layer {w.first})")
    for precision in ("float64", "float32"):  # compile/load the kernels (not timed)
        warm_up(w.net, w.noise, repeats=w.K, precision=precision)
    items = {"fastnoise": w.fastnoise, "fastnoise32": w.fastnoise32}
    agree = {}
    res = w.fastnoise()  # untimed pass and the agreement check
    w.fastnoise32()
    if _has_torch():
        for dt in w.torch_dtypes():
            items[f"torch_{dt}"] = lambda w=w, dt=dt: w.torch(dt)
            agree[dt] = _agreement_or_zero(res, w.torch(dt)[1])
    else:
        log("  note: torch is not importable: no PyTorch column")
    del res
    for dt in ("float64", "float32"):
        items[f"blas_{dt}"] = lambda w=w, dt=dt: w.blas(dt)
    for dt in ("float64", "float32"):
        items[f"normals_{dt}"] = lambda w=w, dt=dt: w.normals_parallel(dt)
    for dt in ("float64", "float32"):
        items[f"own_normals_{dt}"] = lambda w=w, dt=dt: w.own_normals(dt)
    for key in ("blas_float64", "blas_float32", "normals_float64", "normals_float32",
                "own_normals_float64", "own_normals_float32"):  # warm-up (and compile)
        items[key]()
    samples = _interleave(items, repeats, log)
    w.close()
    med = {k: float(np.median(v)) for k, v in samples.items()}
    floors = {dt: med[f"blas_{dt}"] + med[f"normals_{dt}"] for dt in ("float64", "float32")}
    own_floors = {dt: med[f"blas_{dt}"] + med[f"own_normals_{dt}"] for dt in ("float64", "float32")}
    ratios = {
        "fastnoise/floor_float64": med["fastnoise"] / floors["float64"],
        "fastnoise32/floor_float32": med["fastnoise32"] / floors["float32"],
        "fastnoise/own_floor_float64": med["fastnoise"] / own_floors["float64"],
        "fastnoise32/own_floor_float32": med["fastnoise32"] / own_floors["float32"],
        "fastnoise/blas_float64": med["fastnoise"] / med["blas_float64"],
        "fastnoise32/blas_float32": med["fastnoise32"] / med["blas_float32"],
        "fastnoise/fastnoise32": med["fastnoise"] / med["fastnoise32"],
    }
    if "torch_float32" in med:
        ratios["torch_float32/fastnoise32"] = med["torch_float32"] / med["fastnoise32"]
    if "torch_float64" in med:
        ratios["torch_float64/fastnoise"] = med["torch_float64"] / med["fastnoise"]
    return {
        "kind": "shared", "widths": list(w.net.widths), "K": w.K, "T": w.T,
        "noise": w.noise_text(), "first_noisy": w.first, "n_normals": w.n_normals,
        "gemm_shapes": [list(x) for x in w.shapes], "gemm_flop": w.gemm_flop,
        "threads": w.threads, "torch_block": w.torch_block, "samples_s": samples,
        "median_s": med, "floor_s": floors, "own_floor_s": own_floors, "ratios": ratios,
        "projected_input": w.projected,
        "rates": {
            "fastnoise_Mnormals_per_s": w.n_normals / med["fastnoise"] / 1e6,
            "fastnoise32_Mnormals_per_s": w.n_normals / med["fastnoise32"] / 1e6,
            "numpy_Mnormals_per_s": w.n_normals / med["normals_float64"] / 1e6,
            "numpy32_Mnormals_per_s": w.n_normals / med["normals_float32"] / 1e6,
            "own_Mnormals_per_s": w.n_normals / med["own_normals_float64"] / 1e6,
            "own32_Mnormals_per_s": w.n_normals / med["own_normals_float32"] / 1e6,
            "blas_float64_GFLOP_per_s": w.gemm_flop / med["blas_float64"] / 1e9,
            "blas_float32_GFLOP_per_s": w.gemm_flop / med["blas_float32"] / 1e9,
        },
        "var_ratio_fastnoise_over_torch": agree,
    }


def format_report(info: dict, results: dict, repeats: int) -> str:
    lines = []
    blas = "; ".join(f"{b['internal_api']} {b['version']} ({b['architecture']} kernels, "
                     f"{b['num_threads']} threads)" for b in info["blas"]) or "none found"
    env = ", ".join(f"{k}={v}" for k, v in info["env"].items() if v is not None) or "none set"
    lines += [
        f"date      {info['date']}   fastnoise {info['fastnoise']} (commit {info['commit']})",
        f"machine   {info['cpu']}, {info['cores']} cores, SIMD: {' '.join(info['simd']) or '-'}",
        f"versions  Python {info['python']}, numpy {info['numpy']}, numba {info['numba']} "
        f"({info['numba_threads']} threads), torch {info.get('torch') or 'not importable'}",
        f"BLAS      {blas}",
        f"env       {env}",
        f"load      {info['loadavg']} (1, 5, 15 min) at the start; "
        f"medians of {repeats} interleaved rounds",
        "",
    ]
    for name, r in results.items():
        if r.get("kind") == "shared":
            lines += _format_shared(name, r) + [""]
            continue
        med = r["median_s"]
        fnt = med["fastnoise"]
        lines.append(f"{name}: widths {'-'.join(map(str, r['widths']))}, K={r['K']}, T={r['T']}, "
                     f"{r['n_normals']:.3g} normals, {r['gemm_flop'] / 1e9:.3g} GFLOP")
        lines.append(f"  {'measurement':38s} {'median s':>9s} {'min s':>8s} {'max s':>8s} "
                     f"{'this / fastnoise':>17s}")
        for key, label in LABELS.items():
            if key not in r["samples_s"]:
                continue
            s = r["samples_s"][key]
            label = label.format(torch_dtype=r.get("torch_dtype"))
            lines.append(f"  {label:38s} {med[key]:9.3f} {min(s):8.3f} {max(s):8.3f} "
                         f"{med[key] / fnt:17.2f}")
        ra, rt = r["ratios"], r["rates"]
        lines.append(f"  fastnoise vs NumPy: {ra['numpy/fastnoise']:.2f}x faster (BLAS default), "
                     f"{ra['numpy_best/fastnoise']:.2f}x (faster NumPy variant); "
                     f"float32 fastnoise: {ra['numpy_best/fastnoise_best']:.2f}x "
                     "(best of each)")
        if "torch/fastnoise" in ra:
            lines.append(f"  fastnoise vs PyTorch ({r['torch_dtype']}, {r['threads']} threads): "
                         f"{ra['torch/fastnoise']:.2f}x faster (fastnoise float64), "
                         f"{ra['torch/fastnoise32']:.2f}x (fastnoise float32)")
            if "torch_float64/fastnoise" in ra:
                lines.append(f"  fastnoise vs PyTorch (float64): {ra['torch_float64/fastnoise']:.2f}x "
                             "faster (fastnoise float64)")
        else:
            lines.append("  fastnoise vs PyTorch: not measured (torch is not importable)")
        lines.append(f"  fastnoise / BLAS floor: {ra['fastnoise/blas_float64']:.1f} (float64), "
                     f"{ra['fastnoise/blas_float32']:.1f} (float32); "
                     f"fastnoise / NumPy normals alone: {ra['fastnoise/numpy_normals']:.2f}")
        lines.append(f"  rates: fastnoise {rt['fastnoise_Mnormals_per_s']:.0f} M normals/s all included, "
                     f"NumPy RNG {rt['numpy_Mnormals_per_s']:.0f} M normals/s, "
                     f"BLAS floor {rt['blas_float64_GFLOP_per_s']:.0f} / "
                     f"{rt['blas_float32_GFLOP_per_s']:.0f} GFLOP/s (f64 / f32, {r['threads']} threads)")
        agree = ", ".join(f"{v:.3f}" for v in r["var_ratio_fastnoise_over_numpy"].values())
        lines.append(f"  check: summed variance fastnoise / NumPy per layer = {agree} (≈ 1)")
        if r.get("var_ratio_fastnoise_over_torch"):
            agree = ", ".join(f"{v:.3f}" for v in r["var_ratio_fastnoise_over_torch"].values())
            lines.append(f"  check: summed variance fastnoise / PyTorch per layer = {agree} (≈ 1)")
        lines += _target_lines(name, ra)
        lines.append("")
    return "\n".join(lines)


#: Bars of the figure: (median key, label, colour); the floor bars stack their parts.
_BARS = (("fastnoise32", "fastnoise float32", "tab:blue"),
         ("fastnoise", "fastnoise float64", "tab:cyan"),
         ("torch_float32", "PyTorch float32", "tab:orange"),
         ("torch", "PyTorch float32", "tab:orange"),
         ("torch_float64", "PyTorch float64", "tab:red"),
         ("numpy", "NumPy", "tab:gray"))


def plot(results: dict, path: str, title: str = "") -> None:
    """One panel per workload: median seconds of fastnoise and its peers, and the float32
    floor as stacked bars (GEMMs, then normals: fastnoise's own generator where measured)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(3.6 * len(results), 3.4), squeeze=False)
    for ax, (name, r) in zip(axes[0], results.items()):
        med = r["median_s"]
        labels, values, colours = [], [], []
        for key, label, colour in _BARS:
            if key in med and label not in labels:
                labels.append(label)
                values.append(med[key])
                colours.append(colour)
        y = list(range(len(labels)))
        ax.barh(y, values, color=colours)
        gemm = med["blas_float32"]
        normals = med.get("own_normals_float32")
        ax.barh(len(labels), gemm, color="tab:green", label="float32 GEMMs")
        if normals is not None:
            ax.barh(len(labels), normals, left=gemm, color="yellowgreen", label="+ fastnoise's normals")
            labels.append("floor f32")
        else:
            labels.append("GEMMs f32")
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_xlabel("seconds (median)")
        ax.set_title(f"{name}: {'-'.join(map(str, r['widths']))}, K={r['K']}, T={r['T']}", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        if normals is not None:
            ax.legend(fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds (median; default 5)")
    parser.add_argument("--quick", action="store_true", help="T = 200 inputs instead of 1000")
    parser.add_argument("--json", metavar="PATH", help="also write all samples and metadata here")
    parser.add_argument("--workloads", default="W3,WA",
                        help="comma-separated subset of W3,WA,A100in0,A100,CNN (default W3,WA); "
                             "CNN: the trained MNIST CNN against its PyTorch peer and floor, "
                             "K = 100, T = 1000 (T = 200 with --quick), by benchmarks/cnn_compare.py")
    parser.add_argument("--figure", metavar="PNG", help="also draw the medians as bar charts here "
                                                         "(needs matplotlib)")
    parser.add_argument("--plot-json", metavar="JSON", help="no timing: draw --figure from a file "
                                                            "an earlier --json run wrote")
    parser.add_argument("--torch-dtype", choices=("float32", "float64", "both"), default=None,
                        help="precision of the PyTorch peer (default: float32 for W3/WA, as a "
                             "user would pick for speed; both for A100in0/A100)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be ≥ 1")
    if args.plot_json:
        if not args.figure:
            parser.error("--plot-json needs --figure PNG")
        with open(args.plot_json) as f:
            saved = json.load(f)
        plot(saved["results"], args.figure, _figure_title(saved["machine"], saved["repeats"]))
        return 0
    known = {k.upper(): k for k in ("W3", "WA", "A100in0", "A100", "CNN")}
    names = [s.strip().upper() for s in args.workloads.split(",") if s.strip()]
    bad = sorted(set(names) - set(known))
    if bad:
        parser.error(f"unknown workload {bad[0]!r}; choose from W3, WA, A100in0, A100, CNN")
    names = [known[n] for n in names]
    if "CNN" in names:  # its own script: other layers, its own floor and PyTorch peer
        from benchmarks import cnn_compare

        cnn_args = ["--repeats", str(args.repeats), "--T", "200" if args.quick else "1000"]
        if args.json:
            cnn_args += ["--json", os.path.splitext(args.json)[0] + "_cnn.json"]
        code = cnn_compare.main(cnn_args)
        names = [n for n in names if n != "CNN"]
        if code or not names:
            return code

    from benchmarks import _common as c

    _Workload.torch_dtype = args.torch_dtype or "float32"
    _SharedWorkload.torch_dtype = args.torch_dtype or "both"
    T = 200 if args.quick else None
    workloads = []
    if "W3" in names:
        workloads.append(_Workload("W3", c.w3_network(), c.w3_inputs(T or c.W3_T), c.NOISE, c.W3_K))
    if "WA" in names:
        workloads.append(_Workload("WA", c.wa_network(), c.wa_inputs(T or c.WA_T), c.NOISE, c.WA_K))
    for name in ("A100in0", "A100"):
        if name in names:
            workloads.append(_SharedWorkload(name, c.wa_network(), c.wa_inputs(T or c.A100_T),
                                             c.a100_noise(name), c.A100_K))

    info = machine_info()
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if info["env"][k] is not None:
            print(f"note: {k}={info['env'][k]} is set and may slow numpy's BLAS; "
                  "see benchmarks/README.md", file=sys.stderr)
    results = run(workloads, args.repeats, log=lambda s: print(s, file=sys.stderr, flush=True))
    print(format_report(info, results, args.repeats))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "repeats": args.repeats, "quick": args.quick,
                       "torch_dtype": args.torch_dtype, "targets": TARGETS,
                       "results": results}, f, indent=1)
    if args.figure:
        plot(results, args.figure, _figure_title(info, args.repeats))
    return 0


def _figure_title(info: dict, repeats: int) -> str:
    return (f"{info['cpu']}, {info['cores']} cores, {info['date'][:10]}, commit {info['commit']}; "
            f"medians of {repeats} interleaved rounds")


if __name__ == "__main__":
    sys.exit(main())
