"""The noise-mitigation study: ``fastnoise paper mitigation``.

Trains what it needs, runs the grids and returns the numbers the published
mitigation claims are judged on (:mod:`.mitigation_claims`); the report
(:mod:`.mitigation_report`) writes them as CSV, JSON, plots and a claim table.

Networks
--------
S
    The softmax classifier of Semenova & Brunner, Chaos 34, 051101 (2024):
    MNIST 784-20-10, logistic hidden neurons, softmax readout, Adam,
    categorical cross-entropy, trained here (:func:`fastnoise.train.train`
    with ``hidden=(20,)``, ``output="softmax"``).  Noise-aware variants
    ``S[kind, D]`` are trained with the Eq. 3 noise of one kind at intensity D
    on its hidden layer (:data:`TRAIN_NOISE_ON`).
A
    The paper's network A shipped with fastnoise (784-200-200-10, logistic,
    trained by ``fastnoise train mnist``): two hidden layers, for the
    question which hidden layer's noise matters more, and a second trained
    classifier for the SNR gains.

Noise
-----
The four kinds of Eq. 3 one at a time, ``AU`` (D_A^U), ``AC`` (D_A^C), ``MU``
(D_M^U), ``MC`` (D_M^C), at intensities D on a grid; never on the input
layer (the pixels).  "hidden+output" puts it on every neuron of the hidden
and output layers; "hidden" or "output" on those only.  The mitigation
transforms act on hidden layers (the output layer stays as it is, so that
outputs compare), so noise of the output layer itself is never mitigated.

Tables (each a :class:`~fastnoise.paper.tables.Table`)
------------------------------------------------------
``accuracy``   S, accuracy vs D per kind and strategy: none, pool, ghost,
               ghost+pool with the noise on hidden+output after f; none, pool
               with it before f (noise_at="input"); none, ghost+pool with it on
               the hidden layer only;
``layers``     S, noise on the hidden or on the output layer only;
``depth``      A, noise on hidden layer 1 or hidden layer 2 only;
``snr``        output SNR gain per strategy, simulated and predicted
               (``fn.predict``, moments with full covariances), S and A, noise
               on the hidden layers: each kind alone, "targeted" (AU, AC and MU
               together, the kinds the strategies act on) and "all" four;
``training``   S trained without and with noise of each kind on its hidden
               layer, tested with noise of that kind there at each D.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field, replace

from .. import mitigation
from ..mitigation import output_snr_gain
from ..network import Network
from ..noise import Noise
from .tables import Table
from .trained_networks import network_file

__all__ = ["StudySettings", "FULL", "QUICK", "KINDS", "STRATEGIES", "ACCURACY_CASES", "study",
           "noise_list", "strategy_network", "test_levels", "total_steps", "TRAIN_NOISE_ON"]

#: noise kind -> the Noise field it sets
KINDS = {"AU": "additive", "AC": "additive_correlated", "MU": "multiplicative",
         "MC": "multiplicative_correlated"}
#: where the noise-aware trainings put their noise, and where they are tested: the hidden
#: layer, whose noise reaches the loss through the logits (noise added to the softmax's
#: probabilities themselves would leave the cross-entropy of noisy, even negative, values)
TRAIN_NOISE_ON = "hidden"
#: progress steps one training counts for (a training takes as long as ~50 simulations)
TRAIN_STEPS = 50
#: strategies of the accuracy grid, in plotting order
STRATEGIES = ("none", "pool", "ghost", "ghost+pool")
#: (strategy, noise_at, noise on) of the accuracy table
ACCURACY_CASES = tuple((st, "output", "hidden+output") for st in STRATEGIES) + (
    ("none", "input", "hidden+output"), ("pool", "input", "hidden+output"),
    ("none", "output", "hidden"), ("ghost+pool", "output", "hidden"))


@dataclass(frozen=True)
class StudySettings:
    """Sizes of the study (``FULL`` is the default, ``QUICK`` a first look)."""

    images: int = 5000            #: MNIST test images per accuracy point
    repeats: int = 8              #: noisy repetitions K per accuracy point
    intensities: tuple = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)   #: D grid
    copies: int = 32              #: pool copies for S
    copies_a: int = 4             #: pool copies for A (two 200-wide layers)
    snr_images: int = 100         #: test images for the SNR gains
    snr_repeats: int = 1000       #: K for the SNR gains
    snr_intensity: float = 1e-3   #: D of each kind for the SNR gains
    epochs: int = 20              #: training epochs of S
    train_samples: int | None = None   #: training images (None: all but validation)
    train_levels: tuple = (1e-2, 3e-2)  #: D of the noise-aware trainings
    lr: float = 2e-3
    seed: int = 0
    quick: bool = False


FULL = StudySettings()
QUICK = StudySettings(images=300, repeats=3, intensities=(1e-2, 1e-1), copies=8, copies_a=2,
                      snr_images=10, snr_repeats=60, epochs=2, train_samples=6000,
                      train_levels=(3e-2,), quick=True)


def noise_list(kind: str, D: float, where: str, n_layers: int) -> list:
    """One Noise per layer: kind ``kind`` at ``D`` on ``where`` ("hidden+output",
    "hidden", "output", or "layer<n>"), none on the input layer."""
    nz = Noise(**{KINDS[kind]: float(D)})
    last = n_layers - 1
    if where == "hidden+output":
        chosen = range(1, n_layers)
    elif where == "hidden":
        chosen = range(1, last)
    elif where == "output":
        chosen = [last]
    elif where.startswith("layer"):
        chosen = [int(where[5:])]
    else:
        raise ValueError(f"unknown noise placement {where!r}")
    return [nz if n in chosen else None for n in range(n_layers)]


def strategy_network(net: Network, strategy: str, copies: int) -> Network:
    """``net`` with ``strategy`` ("none", "pool", "ghost", "ghost+pool") on all hidden layers."""
    hidden = list(range(1, net.n_layers - 1))
    if strategy == "none":
        return net
    if strategy == "pool":
        return mitigation.pool(net, hidden, copies)
    if strategy == "ghost":
        return mitigation.ghost(net, hidden)
    if strategy == "ghost+pool":
        return mitigation.pool(mitigation.ghost(net, hidden), hidden, copies)
    raise ValueError(f"unknown strategy {strategy!r}")


# ------------------------------------------------------------------------------ pieces
@dataclass
class _Context:
    settings: StudySettings
    out: str
    progress: object = None
    seconds: dict = field(default_factory=dict)
    trained: dict = field(default_factory=dict)
    overwrite: bool = False

    def step(self, n: int = 1) -> None:
        if self.progress is not None:
            self.progress.update(n)


def _recipe(settings: StudySettings, kind: str | None, D: float) -> dict:
    return {"task": "mnist", "hidden": [20], "output": "softmax", "epochs": settings.epochs,
            "lr": settings.lr, "dropout": 0.0, "shift": 0, "seed": settings.seed,
            "max_samples": settings.train_samples, "noise_kind": kind, "noise_D": D,
            "noise_on": TRAIN_NOISE_ON if kind is not None else None}


def _trained(ctx: _Context, kind: str | None = None, D: float = 0.0) -> Network:
    """S (kind None) or S[kind, D], trained now or read back from ``out/networks`` when the
    file there was made with the same recipe."""
    from ..train import save, train

    key = "S" if kind is None else f"S-{kind}-{D:g}"
    if key in ctx.trained:
        return ctx.trained[key]
    folder = os.path.join(ctx.out, "networks")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, key + ".h5")
    recipe = _recipe(ctx.settings, kind, D)
    if os.path.exists(path):
        if _stored_recipe(path) == recipe:
            net = Network.load(path)
            ctx.trained[key] = net
            return net
        if not ctx.overwrite:
            raise FileExistsError(f"{path} was trained with other settings (or not by this study); pass "
                                  "--overwrite (API overwrite=True) to retrain it, or choose another --out")
    noise = None if kind is None else noise_list(kind, D, TRAIN_NOISE_ON, 3)
    start = time.perf_counter()
    net, report = train("mnist", seed=recipe["seed"], epochs=recipe["epochs"], progress=False,
                        lr=recipe["lr"], dropout=0.0, shift=0, hidden=(20,), output="softmax",
                        max_samples=recipe["max_samples"], noise=noise)
    ctx.seconds["training_networks"] = ctx.seconds.get("training_networks", 0.0) + time.perf_counter() - start
    # the recipe goes into the file's training report: one atomic write, so a run killed at
    # any moment leaves either no network or one that says how it was made
    save(net, {**report, "study_recipe": recipe}, path, overwrite=True)   # the study's own folder
    ctx.trained[key] = net
    return net


def _stored_recipe(path: str):
    """The ``study_recipe`` of a network file's training report, or None (none, or unreadable)."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            text = f.attrs.get("training")
        report = json.loads(text.decode() if isinstance(text, bytes) else text) if text is not None else {}
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    return report.get("study_recipe") if isinstance(report, dict) else None


def _accuracy(ctx, net, u, y, noise, seed) -> tuple[float, float, float]:
    from ..simulate import simulate

    acc = simulate(net, u, noise, repeats=ctx.settings.repeats, seed=seed, labels=y).accuracy()
    return acc["accuracy_mean"], acc["accuracy_std"], acc["noiseless_accuracy"]


def _accuracy_table(ctx, nets: dict, u, y) -> Table:
    """S with every strategy (noise after f) and none/pool with the noise before f."""
    s = ctx.settings
    rows = []
    for strategy, place, where in ACCURACY_CASES:
        net = strategy_network(nets["S"].with_noise_at(place), strategy, s.copies)
        for kind in KINDS:
            for D in s.intensities:
                noise = noise_list(kind, D, where, 3)
                acc, std, clean = _accuracy(ctx, net, u, y, noise, s.seed + 1)
                rows.append((strategy, place, where, kind, D, acc, std, clean))
                ctx.step()
    return _table(rows, ("strategy", "noise_at", "noise_on", "kind", "D", "accuracy", "accuracy_std",
                         "noiseless"))


def _layers_table(ctx, nets, u, y) -> Table:
    s = ctx.settings
    rows = []
    for where in ("hidden", "output"):
        for kind in KINDS:
            for D in s.intensities:
                acc, std, clean = _accuracy(ctx, nets["S"], u, y, noise_list(kind, D, where, 3), s.seed + 2)
                rows.append((where, kind, D, acc, std, clean))
                ctx.step()
    return _table(rows, ("noise_on", "kind", "D", "accuracy", "accuracy_std", "noiseless"))


def _depth_table(ctx, nets, u, y) -> Table:
    s = ctx.settings
    rows = []
    for layer in (1, 2):
        for kind in KINDS:
            for D in s.intensities:
                acc, std, clean = _accuracy(ctx, nets["A"], u, y, noise_list(kind, D, f"layer{layer}", 4),
                                            s.seed + 3)
                rows.append((layer, kind, D, acc, std, clean))
                ctx.step()
    return _table(rows, ("hidden_layer", "kind", "D", "accuracy", "accuracy_std", "noiseless"))


def _snr_table(ctx, nets, u) -> Table:
    """Output SNR gains: noise of each kind (and all four together) on the hidden layers."""
    from ..analytic.predict import predict
    from ..simulate import simulate

    s = ctx.settings
    rows = []
    kinds = dict(KINDS)
    kinds["targeted"] = ("AU", "AC", "MU")   # the kinds pooling and ghost neurons act on
    kinds["all"] = tuple(KINDS)
    for name, copies in (("S", s.copies), ("A", s.copies_a)):
        plain = nets[name]
        L = plain.n_layers
        for kind in kinds:
            if kind in ("targeted", "all"):
                nz = Noise(**{KINDS[k]: s.snr_intensity for k in kinds[kind]})
                noise = [nz if 0 < n < L - 1 else None for n in range(L)]
            else:
                noise = noise_list(kind, s.snr_intensity, "hidden", L)
            base = simulate(plain, u, noise, repeats=s.snr_repeats, seed=s.seed + 4)
            # full covariances for both networks: method="auto" would take the low-rank form for
            # a wide pooled network only, and a gain is a ratio of two predictions made alike
            base_p = predict(plain, u, noise, method="moments")
            for strategy in STRATEGIES[1:]:
                net = strategy_network(plain, strategy, copies)
                res = simulate(net, u, noise, repeats=s.snr_repeats, seed=s.seed + 5)
                pred = predict(net, u, noise, method="moments")
                sim_gain = output_snr_gain(base.var[-1], res.var[-1])
                pred_gain = output_snr_gain(base_p.var[-1], pred.var[-1])
                rows.append((name, kind, strategy, copies, sim_gain, pred_gain, pred.method))
                ctx.step()
    return _table(rows, ("network", "kind", "strategy", "copies", "snr_gain", "predicted_snr_gain",
                         "prediction_method"))


def _training_table(ctx, u, y) -> Table:
    s = ctx.settings
    rows = []
    clean = _trained(ctx)
    for kind in KINDS:
        for D_train in (0.0,) + tuple(s.train_levels):
            net = clean if D_train == 0.0 else _trained(ctx, kind, D_train)
            ctx.step(1 if D_train == 0.0 else TRAIN_STEPS)
            for D in test_levels(s):
                acc, std, noiseless = _accuracy(ctx, net, u, y, noise_list(kind, D, TRAIN_NOISE_ON, 3),
                                                s.seed + 6)
                rows.append((kind, D_train, D, acc, std, noiseless))
    return _table(rows, ("kind", "D_train", "D_test", "accuracy", "accuracy_std", "noiseless"))


def _table(rows, names) -> Table:
    cols = list(zip(*rows)) if rows else [[] for _ in names]
    return Table({k: list(v) for k, v in zip(names, cols)})


def test_levels(settings: StudySettings) -> list:
    """Test intensities of the noise-aware training grid: the D grid and the training levels."""
    return sorted(set(settings.intensities) | set(settings.train_levels))


def total_steps(settings: StudySettings) -> int:
    """Progress steps of :func:`study` (one per simulation or training)."""
    k, d = len(KINDS), len(settings.intensities)
    return (TRAIN_STEPS + len(ACCURACY_CASES) * k * d + 2 * k * d + 2 * k * d
            + 2 * (k + 2) * (len(STRATEGIES) - 1) + k * (1 + TRAIN_STEPS * len(settings.train_levels)))


def study(out, settings: StudySettings = FULL, networks=None, progress=None, overwrite: bool = False) -> dict:
    """Run the study into folder ``out``; return ``{"tables": {...}, "results": {...}}``.

    ``networks``: folder holding A.h5 (default: the shipped one).  Trained
    networks go to ``out/networks`` and are reused when their recipe (kept in
    each file's training report as ``study_recipe``) matches; one made
    otherwise is replaced only with ``overwrite``.
    """
    from ..train.data import evaluate, task_data

    out = os.fspath(out)
    os.makedirs(out, exist_ok=True)
    ctx = _Context(settings, out, progress, overwrite=bool(overwrite))
    t0 = time.perf_counter()
    u_all, y_all = task_data("mnist", "test")
    u, y = u_all[:settings.images], y_all[:settings.images]
    nets = {"S": _trained(ctx), "A": Network.load(network_file(networks, "A"))}
    ctx.step(TRAIN_STEPS)
    tables = {}
    for name, make in (("accuracy", lambda: _accuracy_table(ctx, nets, u, y)),
                       ("layers", lambda: _layers_table(ctx, nets, u, y)),
                       ("depth", lambda: _depth_table(ctx, nets, u, y)),
                       ("snr", lambda: _snr_table(ctx, nets, u_all[:settings.snr_images])),
                       ("training", lambda: _training_table(ctx, u, y))):
        start = time.perf_counter()
        tables[name] = make()
        ctx.seconds[name] = round(time.perf_counter() - start, 2)
    results = {
        "settings": asdict(settings),
        "networks": {"S": {"widths": list(nets["S"].widths),
                           "test_accuracy": evaluate(nets["S"], "mnist")["accuracy"]},
                     "A": {"widths": list(nets["A"].widths),
                           "test_accuracy": evaluate(nets["A"], "mnist")["accuracy"]}},
        "seconds": {**{k: round(v, 2) for k, v in ctx.seconds.items()},
                    "total": round(time.perf_counter() - t0, 2)},
    }
    return {"tables": tables, "results": results}


def quick_settings() -> StudySettings:
    """:data:`QUICK` (a function so that tests can shrink it further with ``replace``)."""
    return replace(QUICK)
