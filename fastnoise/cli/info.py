"""``fastnoise info``: describe the runs of an HDF5 store.

Examples
--------
::

    fastnoise info fig3.h5
    fastnoise info fig3.h5 --run run0 --json
"""

from __future__ import annotations

import json
import os

from .common import accuracy_info, accuracy_text, jsonable

__all__ = ["add_parser", "run"]

_NOISE_SHORT = (("additive", "D_A^U"), ("additive_correlated", "D_A^C"),
                ("multiplicative", "D_M^U"), ("multiplicative_correlated", "D_M^C"))


def add_parser(subparsers):
    """Add the ``info`` command to ``subparsers``; its ``func`` default is :func:`run`."""
    i = subparsers.add_parser(
        "info", help="describe the runs of an HDF5 store",
        description="List the runs of a fastnoise store: status, inputs done, repeats, seed, "
                    "widths, noise per layer, the fastnoise version that wrote it, creation time "
                    "and a per-layer summary table (mean output, variance, SNR).")
    i.add_argument("store", metavar="STORE.h5", help="a store written by 'fastnoise simulate' or "
                                                     "fastnoise.simulate(..., store=...)")
    i.add_argument("--run", metavar="NAME", help="only this run (default: all runs)")
    i.add_argument("--json", action="store_true", help="print machine-readable JSON instead")
    i.set_defaults(func=run)
    return i


def _run_info(run) -> dict:
    cfg = run.config
    done = run.done
    return {
        "name": run.name,
        "status": run.status,
        "inputs_done": int(done.sum()),
        "inputs_total": int(done.size),
        "rows": "time steps" if cfg.get("model") == "reservoir" else "inputs",
        "time": ({"mode": cfg.get("mode"), "washout": cfg.get("washout", 0)}
                 if cfg.get("model") == "reservoir" else None),
        "repeats": cfg.get("repeats"),
        "seed": cfg.get("seed"),
        "stream": cfg.get("stream", 0),
        "widths": run.widths,
        "activations": cfg["network"].get("activations"),
        "noise_at": cfg["network"].get("noise_at", "output"),
        "mitigation": cfg["network"].get("mitigation", []),
        "noise": cfg.get("noise"),
        "input_noise": cfg.get("input_noise", "sampled"),
        "samples": cfg.get("samples") or None,
        "histogram": cfg.get("histogram"),
        "fastnoise_version": run.text("fastnoise_version", "unknown"),
        "created": run.text("created", "unknown"),
        "config_hash": run.config_hash,
        "accuracy": accuracy_info(run),
    }


def _noise_text(noise: dict) -> str:
    parts = [f"{short}={noise[key]:g}" for key, short in _NOISE_SHORT if noise.get(key)]
    return ", ".join(parts) if parts else "none"


def _activation_text(act: dict) -> str:
    if act.get("custom") or act.get("name") == "cubic":
        return act.get("name", "?")
    return f"{act.get('name', '?')}({act.get('param', 0.0):g})"


def _print_run(info: dict, table: str) -> None:
    state = info["status"]
    if info["inputs_done"] < info["inputs_total"]:
        state += " (incomplete; 'fastnoise simulate CONFIG --out STORE --resume' completes it)"
    print(f"run {info['name']}: {state}")
    print(f"  {info['rows']:<12} {info['inputs_done']}/{info['inputs_total']} done")
    if info["time"]:
        loop = ("closed loop after {washout} teacher-forced steps" if info["time"]["mode"] == "closed"
                else "open loop (teacher forcing), washout {washout}")
        print(f"  time         {loop.format(washout=info['time']['washout'])}")
    print(f"  repeats      {info['repeats']}")
    print(f"  seed         {info['seed']} (stream {info['stream']})")
    print(f"  widths       {'-'.join(map(str, info['widths']))}")
    if info["activations"]:
        print(f"  activations  {', '.join(_activation_text(a) for a in info['activations'])}")
    if info.get("mitigation"):
        from ..mitigation import describe

        print(f"  mitigation   {describe(info['mitigation'])}")
    places = info.get("noise_at", "output")
    if places != "output":  # recorded only when some layer has its noise before the activation
        print(f"  noise at     {', '.join(places)} (layer by layer: 'input' = Eq. 3 on x̃ before f)")
    noise = info["noise"] or []
    if noise and all(nz == noise[0] for nz in noise):
        print(f"  noise        every layer: {_noise_text(noise[0])}")
    else:
        print("  noise")
        for n, nz in enumerate(noise):
            print(f"    layer {n}: {_noise_text(nz)}")
    if info.get("input_noise") == "projected":
        print("  input noise  drawn in layer 1's space (exact in law); layer 0's moments are exact, "
              "not estimates")
    if info["samples"]:
        print(f"  samples      {info['samples']} (layer, neuron)")
    if info["histogram"]:
        print(f"  histogram    {info['histogram']['bins']} bins per layer")
    print(f"  written by   fastnoise {info['fastnoise_version']}, created {info['created']}")
    print("  " + table.replace("\n", "\n  "))
    if info.get("accuracy"):
        print("  " + accuracy_text(info["accuracy"]))


def run(args) -> int:
    """Run the ``info`` command."""
    from ..io.store import Store
    from ..stats import layer_summary, summary_table

    with Store(args.store, "r") as store:
        names = [args.run] if args.run else store.runs()
        runs = [store.run(name) for name in names]
        header = {"path": os.path.abspath(args.store),
                  "format_version": store.format_version,
                  "fastnoise_version": store.text("fastnoise_version", "unknown")}
        if store.is_sweep:
            idx = store.sweep_index()
            header["sweep"] = {"points": idx.n_points, "done": int(idx.done.sum()),
                               "dims": idx.dims, "predict": idx.predict}
        if args.json:
            infos = [dict(_run_info(r), summary=layer_summary(r)) for r in runs]
            print(json.dumps(jsonable(dict(header, runs=infos)), indent=2))
            return 0
        print(f"{args.store}: fastnoise store, format {header['format_version']}, written by "
              f"fastnoise {header['fastnoise_version']}, {len(store.runs())} run(s)")
        if store.is_sweep and not args.run:  # a run per point: summarise, 'info --run' details one
            from .sweep import sweep_text

            print(sweep_text(store))
            return 0
        for r in runs:
            _print_run(_run_info(r), summary_table(r))
    return 0
