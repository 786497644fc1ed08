"""The paper's trained networks A, B and C (Figs. 5, 6, claim 5): where their files
are, what they were trained on, and the runs made with them; and the Eq. 14 curve
grid both trained-network figures draw."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..network import Network
from ..noise import Noise
from .runs import RunSpec
from .settings import Settings

__all__ = ["TRAINED_NETWORKS", "default_networks", "network_file", "trained_config",
           "trained_specs", "curve_grid"]


def default_networks() -> Path:
    """The folder of the paper's trained networks A.h5, B.h5 and C.h5 shipped inside the
    package (``fastnoise/paper/networks``, package data), so found from any directory."""
    return Path(__file__).resolve().parent / "networks"


def network_file(networks, name: str) -> str:
    """Path of trained network ``name``'s file in folder ``networks`` (default
    :func:`default_networks`); FileNotFoundError saying where to get it when missing."""
    folder = Path(networks) if networks is not None else default_networks()
    path = folder / f"{name}.h5"
    if not path.is_file():
        raise FileNotFoundError(
            f"trained network {name} not found at {path}; pass --networks DIR (API networks=) "
            "with the folder holding A.h5, B.h5 and C.h5 (fastnoise/paper/networks of the "
            "installed package), or train them with 'fastnoise train'")
    return str(path)


#: name -> (dataset, class of the inputs or None, label of that class's neuron, task)
TRAINED_NETWORKS = {
    "A": ("mnist", 5, "digit 5", "MNIST test images of digit 5"),
    "B": ("fashion-mnist", 2, "pullover", "Fashion-MNIST test pullovers"),
    "C": ("mackey-glass", None, "output", "Mackey–Glass windows"),
}


def trained_config(name: str, count, repeats: int, seed: int, noise: dict, networks, data):
    """Network, inputs and labels of a trained network via the run-config parser."""
    from ..runconfig import parse_config

    dataset, label, _, what = TRAINED_NETWORKS[name]
    if dataset == "mackey-glass":
        inputs = {"kind": "mackey-glass", "count": int(count)}
    else:
        inputs = {"kind": "dataset", "name": dataset, "split": "test", "label": label}
        if count is not None:
            inputs["count"] = int(count)
        if data is not None:
            inputs["path"] = os.fspath(data)
    doc = {"repeats": repeats, "seed": seed, "noise": noise, "inputs": inputs,
           "network": {"kind": "file", "path": network_file(networks, name)}}
    try:
        return parse_config(doc)
    except FileNotFoundError as exc:
        if dataset == "mackey-glass":
            raise
        from ..runconfig import one_line

        raise FileNotFoundError(f"network {name} needs the {what}: {one_line(exc)}") from None


def trained_specs(settings: Settings, networks=None, data=None, which=("A", "B", "C"),
                  claim5: bool = True) -> list:
    """The runs of the trained networks (Figs. 5, 6, claim 5) as :class:`RunSpec`."""
    t = settings.trained
    full = {"additive": t.additive, "additive_correlated": t.additive,
            "multiplicative": t.multiplicative, "multiplicative_correlated": t.multiplicative}
    counts = {"A": t.count_a, "B": t.count_b, "C": t.count_c}
    specs = []
    for i, name in enumerate(("A", "B", "C")):
        if name not in which:
            continue
        cfg = trained_config(name, counts[name], t.repeats, t.seed, full, networks, data)
        specs.append(RunSpec(name, cfg.network, cfg.inputs, cfg.noise, t.repeats, t.seed,
                             stream=i, labels=cfg.labels))
    if claim5:
        cfg = trained_config("A", t.claim5_count, t.repeats, t.seed, full, networks, data)
        net = cfg.network
        lin = Network.from_layers(net.weights, net.biases,
                                  ["linear"] * (net.n_layers - 1))
        out = net.n_layers - 1
        corr = Noise(additive_correlated=t.additive, multiplicative_correlated=t.multiplicative)
        unc = Noise(additive=t.additive, multiplicative=t.multiplicative)
        samples = [(out, j) for j in range(net.widths[out])]
        k = 3
        for act_name, nn in (("logistic", net), ("linear", lin)):
            for kind, nz in (("corr", corr), ("uncorr", unc)):
                specs.append(RunSpec(f"A_{kind}_{act_name}", nn, cfg.inputs, nz, t.repeats,
                                     t.seed, stream=k, samples=samples))
                k += 1
    return specs


def curve_grid(net: Network, x, layer: int, points: int = 200, q: float = 0.01) -> np.ndarray:
    """Mean outputs at which to draw an Eq. 14 curve: from the ``q`` quantile to the
    largest of the layer's noiseless outputs ``x``, inside the image of f (where f⁻¹
    exists).  Starting at a low quantile rather than the minimum keeps the curve to
    the range of the simulated points instead of running down to SNR ≈ 0."""
    from ..analytic.inverse import inverse_domain

    x = np.asarray(x, float).ravel()
    lo_f, hi_f, _ = inverse_domain(net.activations[layer])
    inside = x[(x > lo_f) & (x < hi_f)] if layer > 0 else x
    if inside.size == 0:
        inside = x
    lo, hi = float(np.quantile(inside, q)), float(inside.max())
    if hi <= lo:
        hi = lo + max(abs(lo), 1.0) * 1e-6
    return np.linspace(lo, hi, points)

