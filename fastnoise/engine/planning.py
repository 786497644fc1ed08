"""A validated simulation: :class:`Plan` and :func:`plan`, the arguments of
:func:`fastnoise.simulate` checked and turned into the config a store records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import config as _cfg
from ..network import Network
from ..noise import per_layer
from ..resources import check_sizes
from ..validation import check_int
from .arguments import hist_spec, labels_spec, sample_spec, validate_inputs
from .projection import input_projection
from .provenance import MAX_SEED, RNG_VERSION, RNG_VERSION_F32, digest, numerics_version

__all__ = ["Plan", "plan", "kernel_amplitudes", "repetition_chunk"]


@dataclass
class Plan:
    """A validated simulation: everything :func:`fastnoise.simulate` needs but the store.

    Made by :func:`plan`; :attr:`config` is what a store records (and what a
    resume must match).  Sweeps make the plan of a point where the store is
    written and again where it is computed, and both give the same config.
    """

    net: Network
    u: np.ndarray
    repeats: int
    seed: int
    stream: int
    block: int
    noises: list
    s_layer: np.ndarray
    s_neuron: np.ndarray
    hist: Any
    classify: bool
    labels: np.ndarray | None
    noise_values: np.ndarray | None
    config: dict
    precision: str = "float64"
    #: M of :mod:`.projection` when the input noise is drawn in layer 1's space, else None
    projection: np.ndarray | None = None
    #: repetitions the kernel makes at a time (:func:`repetition_chunk`)
    chunk: int = 0

    @property
    def amplitudes(self) -> np.ndarray:
        """The kernel's (L, 4) noise amplitudes, in its dtype (:func:`kernel_amplitudes`)."""
        return kernel_amplitudes(self.noises, self.precision)

    @property
    def n_inputs(self) -> int:
        return int(self.u.shape[0])

    def create_run(self, store, name: str, commit: bool = True):
        """Lay out this simulation's run ``name`` in an open :class:`~fastnoise.Store`."""
        samples = (self.s_layer, self.s_neuron) if len(self.s_layer) else None
        classes = (True, self.labels) if self.classify else None
        return store.create_run(name, self.config, self.net, self.u, samples, self.hist, classes,
                                commit=commit)


def repetition_chunk(widths, repeats: int) -> int:
    """Repetitions of one input the kernel makes at a time: all K unless K × max I_n
    exceeds :data:`fastnoise.config.REPEAT_BUDGET` (then as many as fit, at least 2)."""
    widest = max(int(w) for w in widths)
    if repeats * widest <= _cfg.REPEAT_BUDGET:
        return int(repeats)
    return int(min(repeats, max(2, _cfg.REPEAT_BUDGET // widest)))


def kernel_amplitudes(noises, precision: str) -> np.ndarray:
    """The (L, 4) amplitudes (√(2D_M^U), √(2D_A^U), √(2D_M^C), √(2D_A^C)) of every layer as
    the kernel takes them: in its dtype (an intensity below float32's range is no noise
    in float32)."""
    amp = np.array([nz.amplitudes for nz in noises], dtype=np.float64)
    return amp.astype(np.float32) if precision == "float32" else amp


def plan(net: Network, inputs, noise=None, repeats: int = 300, seed: int = 1, *,
         block: int | None = None, samples=None, histogram=None, stream: int = 0,
         noise_values: np.ndarray | None = None, labels=None, classify: bool | None = None,
         precision: str = "float64") -> Plan:
    """Validate the arguments of :func:`fastnoise.simulate` (same meaning) into a :class:`Plan`."""
    if precision not in ("float64", "float32"):
        raise ValueError(f"precision must be 'float64' or 'float32' (single-precision states), "
                         f"got {precision!r}")
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fastnoise Network (see fn.symmetric, Network.from_layers), "
                        f"got {type(net).__name__}")
    u = validate_inputs(net, inputs)
    T = u.shape[0]
    repeats = check_int("repeats", repeats, 2)
    check_sizes(T, repeats, net.widths)
    seed = check_int("seed", seed, 0, below=MAX_SEED)
    stream = check_int("stream", stream, 0, below=2 ** 16)
    block = _cfg.DEFAULT_BLOCK if block is None else check_int("block", block, 1)
    noises = per_layer(noise, net)
    s_layer, s_neuron = sample_spec(net, samples)
    hist = hist_spec(net, histogram)
    classify, lab = labels_spec(net, labels, classify, T)
    if precision == "float32":  # the kernel's amplitudes are float32
        if max(max(nz.amplitudes) for nz in noises) > float(np.finfo(np.float32).max):
            raise ValueError(f"noise intensities up to {max(max(nz.to_dict().values()) for nz in noises):g} "
                             "overflow float32 (amplitude √(2D) above 3.4e38); precision='float32' "
                             "takes intensities ≤ 5.8e76, use precision='float64'")
    n_slots = net.packed["n_normals"]
    if noise_values is not None:
        noise_values = np.ascontiguousarray(noise_values, dtype=np.float64)
        if noise_values.shape != (T, repeats, n_slots):
            raise ValueError(f"noise_values must have shape {(T, repeats, n_slots)}, got {noise_values.shape}")
    amp = kernel_amplitudes(noises, precision)
    projection = input_projection(net, amp[0], s_layer, hist, noise_values)
    config = {
        "network": dict(net.to_config(), sha256=net.digest()),
        "inputs_sha256": digest(u),
        "noise": [nz.to_dict() for nz in noises],
        "repeats": repeats, "seed": seed, "stream": stream, "n_inputs": T,
        "samples": [[int(a), int(b)] for a, b in zip(s_layer, s_neuron)],
        "histogram": None if hist is None else {"bins": hist[2], "lo": hist[0].tolist(),
                                                "hi": hist[1].tolist()},
        "noise_values": noise_values is not None,
        "rng": RNG_VERSION_F32 if precision == "float32" else RNG_VERSION,
        "numerics": numerics_version(net.widths, list(np.any(amp != 0, axis=1)),
                                     projected=projection is not None),
    }
    if projection is not None:  # only then, so that other runs keep their config (and hash)
        config["input_noise"] = "projected"
    if classify:  # only then, so that other runs keep their config (and hash)
        config["classify"] = True
        config["labels_sha256"] = None if lab is None else digest(lab)
    if precision != "float64":  # likewise
        config["precision"] = precision
    chunk = repetition_chunk(net.widths, repeats)
    if chunk < repeats:  # likewise: the moments are then summed with squares
        config["repetition_chunk"] = chunk
    return Plan(net=net, u=u, repeats=repeats, seed=seed, stream=stream, block=block,
                noises=noises, s_layer=s_layer, s_neuron=s_neuron, hist=hist, classify=classify,
                labels=lab, noise_values=noise_values, config=config, precision=precision,
                projection=projection, chunk=chunk)
