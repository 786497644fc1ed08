"""Writing the mitigation study: CSV per table, ``mitigation.json``, plots and ``mitigation.md``."""

from __future__ import annotations

import os
from dataclasses import asdict

import numpy as np

from .mitigation_claims import evaluate
from .mitigation_study import KINDS, STRATEGIES
from .report import write_study_files, write_study_md

__all__ = ["write_study", "plot_study"]

_KIND_NAMES = {"AU": "additive uncorrelated", "AC": "additive correlated",
               "MU": "multiplicative uncorrelated", "MC": "multiplicative correlated"}


def _curve(t, x, y, **where):
    """Columns ``x`` and ``y`` of the rows of ``t`` selected by ``where``, sorted by ``x``."""
    rows = t.select(**where)
    order = np.argsort(rows[x])
    return rows[x][order], rows[y][order]


def plot_study(tables: dict, out: str) -> list:
    """Draw the study's figures (PNG) into ``out``; returns the paths."""
    from ..report import save
    from ..report.style import style_context

    paths = []
    with style_context():
        import matplotlib.pyplot as plt

        acc = tables["accuracy"]
        # 1. accuracy vs D, per kind, per strategy (noise on hidden + output, after f)
        fig, axes = plt.subplots(1, 4, figsize=(14, 3.4), sharey=True)
        for ax, kind in zip(axes, KINDS):
            for st, (ls, mk) in zip(STRATEGIES, (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))):
                x, y = _curve(acc, "D", "accuracy", strategy=st, noise_at="output", noise_on="hidden+output",
                              kind=kind)
                ax.plot(x, 100 * y, marker=mk, ls=ls, label=st)   # styles: equal curves stay visible
            x, y = _curve(acc, "D", "accuracy", strategy="ghost+pool", noise_at="output", noise_on="hidden",
                          kind=kind)
            ax.plot(x, 100 * y, ls="--", color="k", label="ghost+pool, hidden noise only")
            ax.set_xscale("log")
            ax.set_title(_KIND_NAMES[kind])
            ax.set_xlabel("noise intensity D")
        axes[0].set_ylabel("test accuracy (%)")
        axes[0].legend(fontsize=7)
        fig.suptitle("784-20-10 softmax classifier: accuracy under noise, with and without mitigation")
        paths += save(fig, os.path.join(out, "mitigation_accuracy"), ("png",), overwrite=True)
        plt.close(fig)
        # 2. SNR gains, simulated and predicted
        snr = tables["snr"]
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
        for ax, name in zip(axes, ("S", "A")):
            labels, sim, pred = [], [], []
            for kind in list(KINDS) + ["targeted", "all"]:
                for st in STRATEGIES[1:]:
                    x, s_ = _curve(snr, "copies", "snr_gain", network=name, kind=kind, strategy=st)
                    _, p_ = _curve(snr, "copies", "predicted_snr_gain", network=name, kind=kind, strategy=st)
                    labels.append(f"{kind}\n{st}")
                    sim.append(s_[0])
                    pred.append(p_[0])
            pos = np.arange(len(labels))
            sim, pred = np.array(sim, float), np.array(pred, float)
            finite = np.concatenate([sim[np.isfinite(sim)], pred[np.isfinite(pred)]])
            top = 2.0 * float(np.max(finite)) if finite.size else 10.0
            for i in np.flatnonzero(np.isinf(sim) | np.isinf(pred)):   # exact cancellation
                ax.annotate("∞", (pos[i], top), ha="center", va="bottom", fontsize=8)
            ax.bar(pos - 0.2, np.where(np.isinf(sim), top, sim), 0.4, label="simulated")
            ax.bar(pos + 0.2, np.where(np.isinf(pred), top, pred), 0.4, label="predicted")
            ax.axhline(4.0, color="k", lw=0.8, ls=":")
            ax.set_xticks(pos, labels, fontsize=5, rotation=90)
            ax.set_yscale("log")
            ax.set_ylabel("output SNR gain")
            ax.set_title(f"network {name}")
            ax.legend(fontsize=7)
        paths += save(fig, os.path.join(out, "mitigation_snr_gain"), ("png",), overwrite=True)
        plt.close(fig)
        # 3. where the noise is: hidden vs output layer, before vs after f, layer 1 vs 2 of A
        fig, axes = plt.subplots(3, 4, figsize=(14, 9), sharex=True)
        lay, dep = tables["layers"], tables["depth"]
        for j, kind in enumerate(KINDS):
            for where in ("hidden", "output"):
                x, y = _curve(lay, "D", "accuracy", noise_on=where, kind=kind)
                axes[0, j].plot(x, 100 * y, marker="o", label=f"noise on the {where} layer")
            for place, label in (("output", "after f"), ("input", "before f")):
                for st in ("none", "pool"):
                    x, y = _curve(acc, "D", "accuracy", strategy=st, noise_at=place, noise_on="hidden+output",
                                  kind=kind)
                    axes[1, j].plot(x, 100 * y, marker="o", ls="-" if st == "none" else "--",
                                    label=f"{label}, {st}")
            for layer in (1, 2):
                x, y = _curve(dep, "D", "accuracy", hidden_layer=layer, kind=kind)
                axes[2, j].plot(x, 100 * y, marker="o", label=f"A, hidden layer {layer} only")
            axes[0, j].set_title(_KIND_NAMES[kind])
            axes[2, j].set_xlabel("noise intensity D")
        for ax in axes.ravel():
            ax.set_xscale("log")
        for i, what in enumerate(("S: noise on one layer", "S: before or after f",
                                  "A: noise on one hidden layer")):
            axes[i, 0].set_ylabel(f"{what}\ntest accuracy (%)")
            axes[i, 0].legend(fontsize=7)
        paths += save(fig, os.path.join(out, "mitigation_placement"), ("png",), overwrite=True)
        plt.close(fig)
        # 4. train noise x test noise
        tr = tables["training"]
        fig, axes = plt.subplots(1, 4, figsize=(14, 3.4), sharey=True)
        for ax, kind in zip(axes, KINDS):
            for d_train in sorted(set(tr["D_train"].tolist())):
                x, y = _curve(tr, "D_test", "accuracy", kind=kind, D_train=float(d_train))
                ax.plot(x, 100 * y, marker="o", label=f"trained at D={d_train:g}")
            ax.set_xscale("log")
            ax.set_title(_KIND_NAMES[kind])
            ax.set_xlabel("test noise intensity D")
        axes[0].set_ylabel("test accuracy (%)")
        axes[0].legend(fontsize=7)
        paths += save(fig, os.path.join(out, "mitigation_training"), ("png",), overwrite=True)
        plt.close(fig)
    return paths


def write_study(data: dict, out, settings, plots: bool = True, command: str | None = None) -> list:
    """Write CSV, JSON, plots and ``mitigation.md`` of a :func:`~.mitigation_study.study` result
    into ``out``; return the claims."""
    out = os.fspath(out)
    tables, results = data["tables"], data["results"]
    claims = evaluate(tables, asdict(settings))
    figures = plot_study(tables, out) if plots else []
    files = write_study_files(out, "mitigation", tables, claims, figures, command, results)
    nets = results["networks"]
    intro = [f"Networks: S {'-'.join(map(str, nets['S']['widths']))} softmax classifier trained here "
             f"(noise-free test accuracy {100 * nets['S']['test_accuracy']:.2f} %), A "
             f"{'-'.join(map(str, nets['A']['widths']))} (shipped, {100 * nets['A']['test_accuracy']:.2f} %). "
             f"Accuracy points: {settings.images} test images × {settings.repeats} noisy repetitions. "
             f"Wall time {results['seconds']['total']:.0f} s."]
    write_study_md(os.path.join(out, "mitigation.md"), "Noise mitigation: the published claims against "
                   "fastnoise's numbers", command, settings.quick, intro, claims,
                   "Sources: [S22] Semenova & Brunner, Chaos 32, 061106 (2022); [S24] Semenova & Brunner, "
                   "Chaos 34, 051101 (2024); [K26] Kolesnikov & Semenova, Chaos, Solitons & Fractals 206 "
                   "(2026); [M26] Maksimov, Moskvitin & Semenova, arXiv 2604.08117 (2026).",
                   figures, list(files.values()))
    return claims
