"""asv benchmarks of the counter-based normal generator (fastnoise.kernels.rng).

* ``time_normal_pairs``: the library's serial kernel ``_normal_pairs_kernel``
  (one Philox4x32-10 call and one Box-Muller transform per pair of normals);
* ``time_normal_pairs_parallel``: the same draws laid out as in the simulator
  (rows = repetitions k under ``prange``, columns = neuron slots), on all
  Numba threads;
* ``time_normal_quads`` / ``time_normal_quads_parallel``: the float32
  generator of ``precision="float32"`` (:mod:`fastnoise.kernels.rng32`: one
  Philox call and two float32 Box–Muller transforms per four normals),
  serial and in the simulator's layout;
* ``time_philox``: the bare Philox4x32-10 bijection on a counter array;
* ``time_numpy_standard_normal``: NumPy's ``default_rng().standard_normal``
  (PCG64 + ziggurat, one thread) for the same number of normals, for reference.

``n`` is the number of normals (pairs = n / 2).  ``track_*`` report the
throughput in millions of normals per second (median of 5 runs).
"""

import time

import numpy as np
from numba import njit, prange

from fastnoise.config import JIT, JIT_PARALLEL
from fastnoise.kernels import rng, rng32

_KEY0 = np.uint64(0x12345678)
_KEY1 = np.uint64(0x9ABCDEF0)
_LAYER = np.uint64(1)
_T = np.uint64(7)

#: Neuron slots per row in the parallel layout (a 200-neuron layer + 1).
_SLOTS = 201


@njit(**dict(JIT_PARALLEL, cache=False))
def _parallel_pairs(n_rows, n_slots, t, layer_word, key0, key1, zm, za):
    for k in prange(n_rows):
        for s in range(n_slots):
            zm[k, s], za[k, s] = rng.normal_pair(s, np.uint64(k), t, layer_word, key0, key1)


@njit(**dict(JIT_PARALLEL, cache=False))
def _parallel_quads(n_rows, n_values, t, layer_word, key0, key1, out):
    for k in prange(n_rows):
        rng32.fill_normals32(n_values, np.uint64(k), t, layer_word, key0, key1, out[k])


def _median_seconds(func, runs=5):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


class Normals:
    params = [2 ** 16, 2 ** 22]
    param_names = ["n"]
    warmup_time = 0.0
    timeout = 300.0

    def setup(self, n):
        if not hasattr(rng, "_normal_pairs_kernel"):
            raise NotImplementedError("fastnoise.kernels.rng has no _normal_pairs_kernel")
        pairs = n // 2
        self.pairs = pairs
        # np.ones, not np.empty: touch every page now, not in the first timing
        self.zm = np.ones(pairs)
        self.za = np.ones(pairs)
        rows = max(pairs // _SLOTS, 1)
        self.rows = rows
        self.pm = np.ones((rows, _SLOTS))
        self.pa = np.ones((rows, _SLOTS))
        self.counters = np.arange(4 * pairs, dtype=np.uint64).reshape(pairs, 4) & np.uint64(0xFFFFFFFF)
        self.words = np.ones_like(self.counters)
        self.np_out = np.ones(n)
        self.gen = np.random.default_rng(1)
        # compile (or load) every kernel once, outside the timings
        rng._normal_pairs_kernel(4, np.uint64(0), _T, _LAYER, _KEY0, _KEY1, self.zm, self.za)
        _parallel_pairs(1, 4, _T, _LAYER, _KEY0, _KEY1, self.pm, self.pa)
        rng._philox_kernel(self.counters[:2], _KEY0, _KEY1, self.words[:2])
        self.quads = max(n // 4, 1)
        self.q_out = np.ones(4 * self.quads, dtype=np.float32)
        self.q_rows = max(n // (2 * _SLOTS), 1)   # rows of 2·201 normals (≈ two layers)
        self.q_par = np.ones((self.q_rows, rng32.normals_buffer_size(2 * _SLOTS)), dtype=np.float32)
        rng32._normal_quads_kernel(1, np.uint64(0), _T, _LAYER, _KEY0, _KEY1, self.q_out)
        _parallel_quads(1, 4, _T, _LAYER, _KEY0, _KEY1, self.q_par)

    def _serial(self):
        rng._normal_pairs_kernel(self.pairs, np.uint64(0), _T, _LAYER, _KEY0, _KEY1, self.zm, self.za)

    def _parallel(self):
        _parallel_pairs(self.rows, _SLOTS, _T, _LAYER, _KEY0, _KEY1, self.pm, self.pa)

    def time_normal_pairs(self, n):
        self._serial()

    def time_normal_pairs_parallel(self, n):
        self._parallel()

    def _serial32(self):
        rng32._normal_quads_kernel(self.quads, np.uint64(0), _T, _LAYER, _KEY0, _KEY1, self.q_out)

    def _parallel32(self):
        _parallel_quads(self.q_rows, 2 * _SLOTS, _T, _LAYER, _KEY0, _KEY1, self.q_par)

    def time_normal_quads(self, n):
        self._serial32()

    def time_normal_quads_parallel(self, n):
        self._parallel32()

    def track_mnormals_per_s_serial_f32(self, n):
        return 4 * self.quads / _median_seconds(self._serial32) / 1e6

    def track_mnormals_per_s_parallel_f32(self, n):
        return self.q_rows * 2 * _SLOTS / _median_seconds(self._parallel32) / 1e6

    def time_philox(self, n):
        rng._philox_kernel(self.counters, _KEY0, _KEY1, self.words)

    def time_numpy_standard_normal(self, n):
        self.gen.standard_normal(out=self.np_out)

    def track_mnormals_per_s_serial(self, n):
        return 2 * self.pairs / _median_seconds(self._serial) / 1e6

    def track_mnormals_per_s_parallel(self, n):
        return 2 * self.rows * _SLOTS / _median_seconds(self._parallel) / 1e6

    def track_mnormals_per_s_numpy(self, n):
        return n / _median_seconds(lambda: self.gen.standard_normal(out=self.np_out)) / 1e6

    track_mnormals_per_s_serial.unit = "M normals/s"
    track_mnormals_per_s_parallel.unit = "M normals/s"
    track_mnormals_per_s_numpy.unit = "M normals/s"
    track_mnormals_per_s_serial_f32.unit = "M normals/s"
    track_mnormals_per_s_parallel_f32.unit = "M normals/s"
