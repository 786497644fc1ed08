"""Writing the CNN study: CSV per table, ``cnn.json``, plots and ``cnn.md``."""

from __future__ import annotations

import os
from dataclasses import asdict

import numpy as np

from .cnn_claims import evaluate
from .cnn_study import KINDS
from .report import write_study_files, write_study_md

__all__ = ["write_study", "plot_study"]

_KIND_NAMES = {"AU": "additive uncorrelated", "AC": "additive correlated",
               "MU": "multiplicative uncorrelated", "MC": "multiplicative correlated"}
_NETS = {"CNN-max": ("-", "o"), "CNN-mean": ("--", "s"), "dense": (":", "^")}


def plot_study(tables: dict, out: str) -> list:
    """Draw the study's figures (PNG) into ``out``; returns the paths."""
    from ..report import save
    from ..report.style import style_context

    paths = []
    with style_context():
        import matplotlib.pyplot as plt

        lay = tables["layers"]
        fig, axes = plt.subplots(1, 4, figsize=(14, 3.4))
        for ax, kind in zip(axes, KINDS):
            for net, (ls, mk) in _NETS.items():
                rows = lay.select(network=net, kind=kind)
                ax.plot(rows["layer"], rows["var_over_2D"], ls=ls, marker=mk, label=net)
            ax.set_yscale("log")
            ax.set_title(_KIND_NAMES[kind])
            ax.set_xlabel("layer")
        axes[0].set_ylabel("mean Var(y) / 2D")
        axes[0].legend(fontsize=7)
        fig.suptitle("Noise through the layers (Fig. 3 intensities on every layer; pooling and flatten "
                     "noiseless)")
        paths += save(fig, os.path.join(out, "cnn_layers"), ("png",), overwrite=True)
        plt.close(fig)

        pool = tables["pooling"]
        fig, ax = plt.subplots(figsize=(7, 3.4))
        layers = sorted(set(pool["pool_layer"].tolist()))
        width = 0.8 / (2 * len(layers))
        for j, (net, p) in enumerate((n, p) for n in ("CNN-max", "CNN-mean") for p in layers):
            ys = [float(pool.select(network=net, kind=k, pool_layer=p)["ratio"][0]) for k in KINDS]
            ax.bar(np.arange(len(KINDS)) + (j - len(layers) + 0.5) * width, ys, width,
                   label=f"{net.split('-')[1]} pooling, layer {p}", hatch="//" if "mean" in net else None)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.axhline(0.5, color="k", lw=0.8, ls=":")
        ax.set_xticks(np.arange(len(KINDS)), KINDS)
        ax.set_ylabel("Var(pool) / Var(conv)")
        ax.set_title("Pooling right after a noisy convolution")
        ax.legend(fontsize=7)
        paths += save(fig, os.path.join(out, "cnn_pooling"), ("png",), overwrite=True)
        plt.close(fig)

        acc = tables["accuracy"]
        fig, axes = plt.subplots(1, 4, figsize=(14, 3.4), sharey=True)
        for ax, kind in zip(axes, KINDS):
            for net, (ls, mk) in _NETS.items():
                rows = acc.select(network=net, kind=kind)
                order = np.argsort(rows["D"])
                ax.errorbar(rows["D"][order], 100 * rows["accuracy"][order], 100 * rows["se"][order],
                            ls=ls, marker=mk, label=net)
            ax.set_xscale("log")
            ax.set_title(_KIND_NAMES[kind])
            ax.set_xlabel("noise intensity D")
        axes[0].set_ylabel("test accuracy (%)")
        axes[0].legend(fontsize=7)
        paths += save(fig, os.path.join(out, "cnn_accuracy"), ("png",), overwrite=True)
        plt.close(fig)

        pred = tables["prediction"]
        fig, ax = plt.subplots(figsize=(4.6, 4.2))
        for kind in sorted(set(pred["kind"].tolist())):
            rows = pred.select(kind=kind)
            ax.loglog(rows["simulated"], rows["predicted"], ".", ms=3, label=kind)
        lo = max(min(pred["simulated"][pred["simulated"] > 0].min(), 1e-12), 1e-12)
        hi = pred["simulated"].max()
        ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
        ax.set_xlabel("simulated Var(y), output layer")
        ax.set_ylabel("predicted (moments)")
        ax.set_title("MNIST CNN: prediction against simulation")
        ax.legend(fontsize=7)
        paths += save(fig, os.path.join(out, "cnn_prediction"), ("png",), overwrite=True)
        plt.close(fig)
    return paths


def write_study(data: dict, out, settings, plots: bool = True, command: str | None = None) -> list:
    """Write CSV, JSON, plots and ``cnn.md`` of a :func:`~.cnn_study.study` result into
    ``out``; return the claims."""
    out = os.fspath(out)
    tables, results = data["tables"], data["results"]
    claims = evaluate(tables, results)
    figures = plot_study(tables, out) if plots else []
    files = write_study_files(out, "cnn", tables, claims, figures, command, results, asdict(settings))
    nets = results["networks"]
    intro = ["Networks: " + "; ".join(
        f"{name} {'–'.join(nets[name]['layers'])} (noiseless accuracy {100 * nets[name]['accuracy']:.2f} % "
        f"on the images used)" for name in nets) + ".",
        f"{results['settings']['images']} MNIST test images × {results['settings']['repeats']} noisy "
        f"repetitions; noise intensities of the paper's Fig. 3 (D = 1e-4 additive, 1e-3 multiplicative). "
        f"Predictions: {results['prediction']['images']} images, "
        f"{results['prediction']['seconds_per_image']:.2f} s per image and noise. "
        f"Wall time {results['seconds']['total']:.0f} s."]
    write_study_md(os.path.join(out, "cnn.md"), "Noise in a convolutional network: the published claims "
                   "against fastnoise's numbers", command, settings.quick, intro, claims,
                   "Sources: [KS25a] Kolesnikov & Semenova, arXiv 2505.06611 (2025); [KS25b] their "
                   "companion paper on internal noise in convolutional networks (findings as summarised "
                   "in issue 17).", figures, list(files.values()))
    return claims
