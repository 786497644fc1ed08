"""The convolutional-network study: how noise travels through a trained CNN.

``fastnoise paper cnn`` (:mod:`fastnoise.cli.paper`) runs :func:`study` and
:mod:`.cnn_report` writes its tables, figures and claim table.  Networks: the
MNIST CNN of ``examples/networks/cnn_mnist.h5`` (conv–max pool–conv–max
pool–dense–dense), the same network with mean pooling in place of max pooling
("CNN-mean": same weights, so the noise transfer of the two poolings is
compared on equal signals), and network A of the paper (784-200-200-10, dense,
trained on the same task).  Noise kinds one at a time at the paper's Fig. 3
intensities (D = 1e-4 additive, 1e-3 multiplicative), on every convolution
and dense neuron and the input pixels (pooling and flatten layers noiseless);
MNIST test images.

Tables (:class:`~fastnoise.paper.tables.Table`):

``layers``
    mean variance of every layer's outputs (over neurons and images) per
    network and kind, and that variance over the injected 2D;
``accuracy``
    test accuracy under each kind on an intensity grid, per network;
``pooling``
    noise on one convolution layer only: the mean output variance of the
    pooling layer right after it over that of the convolution;
``matrix``
    noise of one kind on one layer only (the first pooling layer, whose next
    matrix is the second convolution; the flatten layer, whose next matrix is
    the first dense layer), the next layer made linear and noiseless: the
    variance of each of its neurons against 2D (Σ_j W_ij)² (correlated) and
    2D Σ_j W_ij² (uncorrelated) — I²μ² and Iη of the paper's Eq. 6 per row;
``prediction``
    ``fn.predict`` (moments, factored covariance) against the simulated
    output variance, per kind.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

import numpy as np

from .tables import Table

__all__ = ["Settings", "FULL", "QUICK", "KINDS", "FIG3", "study", "networks", "mean_pooling",
           "kind_noise", "total_steps"]

KINDS = ("AU", "AC", "MU", "MC")
#: The paper's Fig. 3 intensities, per kind.
FIG3 = {"AU": 1e-4, "AC": 1e-4, "MU": 1e-3, "MC": 1e-3}
_FIELDS = {"AU": "additive", "AC": "additive_correlated", "MU": "multiplicative",
           "MC": "multiplicative_correlated"}
#: The MNIST CNN shipped in the repository's examples/networks (``fastnoise train mnist --arch cnn``).
CNN_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "examples", "networks", "cnn_mnist.h5")


@dataclass(frozen=True)
class Settings:
    """Sizes of the study.

    images: MNIST test images; repeats: K; grid: intensities of the accuracy
    grid (multiplied by 10 for the multiplicative kinds); predict_images: images
    predicted with ``fn.predict`` (about 0.3 s each), simulated with
    predict_repeats repetitions to compare.
    """

    images: int = 500
    repeats: int = 100
    grid: tuple = (1e-3, 1e-2, 1e-1)
    predict_images: int = 60
    predict_repeats: int = 2000
    quick: bool = False


FULL = Settings()
QUICK = Settings(images=60, repeats=20, grid=(1e-2, 1e-1), predict_images=6, predict_repeats=400,
                 quick=True)


def kind_noise(kind: str, D: float):
    """A Noise of one kind."""
    import fastnoise as fn

    return fn.Noise(**{_FIELDS[kind]: float(D)})


def mean_pooling(net):
    """``net`` with every max pooling layer replaced by mean pooling of the same window."""
    from ..network import AvgPool2D, Network

    ops = [AvgPool2D(op.pool_size, in_shape=op.in_shape, strides=op.strides, padding=op.padding)
           if op.kind == "maxpool2d" else op for op in net.ops]
    return Network.from_ops(net.input_shape, ops, net.input_activation, net.input_noise_at,
                            net.mitigation, net.input_order)


def networks(cnn_path: str | None = None, dense_path: str | None = None) -> dict:
    """{"CNN-max", "CNN-mean", "dense"} networks (see the module docstring)."""
    import fastnoise as fn
    from .trained_networks import default_networks

    cnn_path = cnn_path or CNN_FILE
    if not os.path.exists(cnn_path):
        raise FileNotFoundError(f"{cnn_path}: no such file; train it with 'fastnoise train mnist "
                                "--arch cnn' or pass --networks DIR holding cnn_mnist.h5")
    cnn = fn.Network.load(cnn_path)
    dense = fn.Network.load(dense_path or os.path.join(default_networks(), "A.h5"))
    return {"CNN-max": cnn, "CNN-mean": mean_pooling(cnn), "dense": dense}


def total_steps(settings: Settings) -> int:
    """Simulations the study runs (the progress bar's total)."""
    layers = 3 * len(KINDS)                                # per network and kind
    accuracy_runs = layers * len(settings.grid)
    pooling = 2 * len(KINDS)                               # max and mean pooling, per kind
    matrix = 2 * 2                                         # two places, AC and AU
    prediction = len(KINDS) + 1                            # each kind, then all at once
    return layers + accuracy_runs + pooling + matrix + prediction


def _noise_on(net, noise, layers):
    """One Noise per layer: ``noise`` on ``layers``, none elsewhere."""
    import fastnoise as fn

    return [noise if n in layers else fn.Noise() for n in range(net.n_layers)]


def _tick(progress):
    if progress is not None:
        progress.update(1)


def study(out: str, settings: Settings = FULL, cnn_path: str | None = None,
          dense_path: str | None = None, progress=None) -> dict:
    """Run the study; returns {"tables": {name: Table}, "results": {...}}."""
    import fastnoise as fn
    from ..analytic.maps import linear_operator
    from ..train.data import task_data

    t0 = time.perf_counter()
    nets = networks(cnn_path, dense_path)
    images, labels = task_data("mnist", "test")
    u, lab = images[: settings.images], labels[: settings.images]
    K = settings.repeats
    seconds = {}
    results = {"networks": {}}
    for name, net in nets.items():
        _, x = fn.forward(net, u)
        results["networks"][name] = {"widths": list(net.widths), "layers": [
            "input"] + [op.kind for op in net.ops],
            "accuracy": float(np.mean(np.argmax(x[-1], axis=1) == lab))}

    # 1. accumulation through the layers, per kind at the Fig. 3 intensities
    rows = {k: [] for k in ("network", "kind", "layer", "op", "width", "var", "var_over_2D")}
    for name, net in nets.items():
        for kind in KINDS:
            D = FIG3[kind]
            res = fn.simulate(net, u, kind_noise(kind, D), repeats=K, seed=1, precision="float32")
            for n in range(net.n_layers):
                v = float(np.mean(res.var[n]))
                for key, val in (("network", name), ("kind", kind), ("layer", n),
                                 ("op", results["networks"][name]["layers"][n]),
                                 ("width", net.widths[n]), ("var", v), ("var_over_2D", v / (2 * D))):
                    rows[key].append(val)
            _tick(progress)
    layers = Table(rows)
    seconds["layers"] = time.perf_counter() - t0

    # 2. accuracy on a grid of intensities
    rows = {k: [] for k in ("network", "kind", "D", "accuracy", "se", "noiseless")}
    for name, net in nets.items():
        for kind in KINDS:
            for d in settings.grid:
                D = d * (10.0 if kind.startswith("M") else 1.0)
                res = fn.simulate(net, u, kind_noise(kind, D), repeats=K, seed=2, labels=lab,
                                  precision="float32")
                a = res.accuracy()
                for key, val in (("network", name), ("kind", kind), ("D", D),
                                 ("accuracy", a["accuracy_mean"]),
                                 ("se", a["accuracy_std"] / np.sqrt(K)),
                                 ("noiseless", a["noiseless_accuracy"])):
                    rows[key].append(val)
                _tick(progress)
    accuracy = Table(rows)
    seconds["accuracy"] = time.perf_counter() - t0 - sum(seconds.values())

    # 3. pooling after a convolution: noise on that convolution layer only
    rows = {k: [] for k in ("network", "kind", "pool_layer", "var_conv", "var_pool", "ratio")}
    for name in ("CNN-max", "CNN-mean"):
        net = nets[name]
        pools = [n for n, op in enumerate(net.ops, start=1)
                 if op.kind.endswith("pool2d") and net.ops[n - 2].kind == "conv2d"]
        for kind in KINDS:
            for p in pools:
                res = fn.simulate(net, u, _noise_on(net, kind_noise(kind, FIG3[kind]), [p - 1]),
                                  repeats=K, seed=3, precision="float32")
                vc, vp = float(np.mean(res.var[p - 1])), float(np.mean(res.var[p]))
                for key, val in (("network", name), ("kind", kind), ("pool_layer", p), ("var_conv", vc),
                                 ("var_pool", vp), ("ratio", vp / vc if vc > 0 else float("nan"))):
                    rows[key].append(val)
            _tick(progress)
    pooling = Table(rows)

    # 4. the next connection matrix: noise on one layer, the next one linear and noiseless
    net = nets["CNN-max"]
    rows = {k: [] for k in ("place", "kind", "neuron", "var", "mu_term", "eta_term")}
    results["matrix"] = {}
    places = {"pool1 -> conv2": 2, "flatten -> dense1": 5}
    for place, n in places.items():
        op = net.ops[n]                                   # layer n + 1, the next one
        mat = linear_operator(op)[0]
        mat = mat if isinstance(mat, np.ndarray) else mat.toarray()
        lin = _linear_at(net, n + 1)
        for kind in ("AC", "AU"):
            D = FIG3[kind]
            res = fn.simulate(lin, u, _noise_on(lin, kind_noise(kind, D), [n]), repeats=K, seed=4)
            var = np.mean(res.var[n + 1], axis=0)           # over the images
            mu_term = 2 * D * mat.sum(axis=1) ** 2         # 2D I² μ²: (Σ_j W_ij)²
            eta_term = 2 * D * (mat * mat).sum(axis=1)     # 2D I η: Σ_j W_ij²
            for i in range(var.size):
                for key, val in (("place", place), ("kind", kind), ("neuron", i), ("var", float(var[i])),
                                 ("mu_term", float(mu_term[i])), ("eta_term", float(eta_term[i]))):
                    rows[key].append(val)
            _tick(progress)
    matrix = Table(rows)
    results["matrix"]["rel_se"] = float(np.sqrt(2.0 / (K * len(u))))

    # 5. predictions against the simulation
    rows = {k: [] for k in ("kind", "image", "neuron", "predicted", "simulated")}
    up = u[: settings.predict_images]
    tp = 0.0
    for kind in KINDS + ("all",):
        noise = (fn.Noise(**{_FIELDS[k]: FIG3[k] for k in KINDS}) if kind == "all"
                 else kind_noise(kind, FIG3[kind]))
        t1 = time.perf_counter()
        pred = fn.predict(net, up, noise, method="moments")
        tp += time.perf_counter() - t1
        res = fn.simulate(net, up, noise, repeats=settings.predict_repeats, seed=5, precision="float32")
        for t in range(len(up)):
            for i in range(net.widths[-1]):
                for key, val in (("kind", kind), ("image", t), ("neuron", i),
                                 ("predicted", float(pred.var[-1][t, i])),
                                 ("simulated", float(res.var[-1][t, i]))):
                    rows[key].append(val)
        _tick(progress)
    prediction = Table(rows)
    results["prediction"] = {"repeats": settings.predict_repeats, "images": len(up),
                             "seconds_per_image": tp / (len(KINDS) + 1) / len(up)}
    seconds["total"] = time.perf_counter() - t0
    results["seconds"] = seconds
    results["settings"] = {"images": len(u), "repeats": K, "fig3": FIG3}
    return {"tables": {"layers": layers, "accuracy": accuracy, "pooling": pooling, "matrix": matrix,
                       "prediction": prediction}, "results": results}


def _linear_at(net, n):
    """``net`` with layer ``n``'s activation made linear (so its y is x̃)."""
    from ..network import Network

    ops = list(net.ops)
    ops[n - 1] = replace(ops[n - 1], activation="linear")
    return Network.from_ops(net.input_shape, ops, net.input_activation, net.input_noise_at,
                            net.mitigation, net.input_order)
