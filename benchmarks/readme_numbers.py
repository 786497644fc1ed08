"""Measure the numbers the README quotes and write them between its markers.

Every measured block of ``README.md`` sits between ``<!-- readme-numbers:NAME -->``
and ``<!-- /readme-numbers:NAME -->``; this script remakes block NAME from a fresh
measurement, so no number there is typed by hand:

* ``networks``: the trained networks A, B, C, noise-free test quality measured
  with ``fastnoise.forward`` in float64 (deterministic);
* ``trained-noise``: A, B, C under the paper's Fig. 3 intensities, from
  ``fastnoise simulate examples/net*.toml`` (SNR and accuracy deterministic,
  wall times measured);
* ``main-job``: the README's main job in a fresh process, with an empty kernel
  cache (compiling) and again with the cache warm.

Usage::

    python benchmarks/readme_numbers.py                      # print every block
    python benchmarks/readme_numbers.py networks --write     # rewrite README.md's block(s)
    python benchmarks/readme_numbers.py networks --check     # exit 1 if README differs

``--check`` compares deterministic blocks only (``networks``); the others
carry timings.  Datasets come from ``$FASTNOISE_DATA`` (or ``--data``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DETERMINISTIC = ("networks",)


def _networks_dir() -> Path:
    from fastnoise.paper.figures import default_networks

    return Path(default_networks())


def _pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def networks(data) -> str:
    """The trained networks table: noise-free test quality of A, B and C."""
    import fastnoise as fn
    from fastnoise.train.data import evaluate

    if data:
        os.environ["FASTNOISE_DATA"] = str(data)
    folder = _networks_dir()
    rows = []
    for key, task, what, shape in (
            ("A", "mnist", "MNIST digits, biases held at 0", "784-200-200-10, logistic"),
            ("B", "fashion-mnist", "Fashion-MNIST, biases trained", "784-200-200-10, logistic"),
            ("C", "mackey-glass", "Mackey–Glass one-step prediction",
             "100-200-200-1, logistic, linear output")):
        q = evaluate(fn.Network.load(folder / f"{key}.h5"), task)
        count = f"{q['count']:,}".replace(",", " ")
        quality = (f"NRMSE {q['nrmse']:.4f} ({count} test windows)" if "nrmse" in q
                   else f"{_pct(q['accuracy'])} accuracy ({count} images)")
        rows.append((key, what, shape, quality, f"`fastnoise train {task} --out {key}.h5`"))
    lines = ["| network | task | shape | noise-free test quality | command |",
             "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _simulate(config: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fastnoise", "simulate", str(config), "--out", str(out), "-q"],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def trained_noise(data) -> str:
    """A, B and C under noise: output SNR, accuracy, noise-free accuracy, wall time."""
    import fastnoise as fn
    from fastnoise.stats import accuracy

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for key, cfg, label in (("A", "netA_digit5.toml", "A, the {T} test images of \"5\""),
                                ("B", "netB_pullover.toml", "B, the {T} test pullovers"),
                                ("C", "netC_mackey_glass.toml", "C, {T} test windows")):
            out = Path(tmp) / f"{key}.h5"
            wall = _simulate(ROOT / "examples" / cfg, out)
            with fn.Store(out) as st:
                run = st.run()
                snr = run.mean(run.n_layers - 1) / np.sqrt(run.var(run.n_layers - 1))
                T = int(run.done.size)
                med = float(np.median(snr))
                if key == "C":
                    snr_text = f"{med:.2g} ({np.min(snr):.2g}–{np.max(snr):.2g})"
                    acc_text = noiseless = "—"
                else:
                    top = float(np.max(snr))
                    snr_text = f"{med:.2g} (up to {top:.2g})"
                    acc = accuracy(run)
                    acc_text = f"{_pct(acc['accuracy_mean'])} ± {_pct(acc['accuracy_std'])}"
                    noiseless = _pct(acc["noiseless_accuracy"])
            rows.append((label.format(T=T), snr_text, acc_text, noiseless, f"{wall:.1f} s"))
    lines = ["| network, inputs | output median SNR | accuracy under noise (± sd over repetitions) "
             "| noiseless | wall time |", "|---|---:|---:|---:|---:|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main_job(data) -> str:
    """The main job's time with an empty kernel cache, then warm (fresh processes)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "cache"))
        times = []
        for i in range(2):
            out = Path(tmp) / f"fig3_{i}.h5"
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "fastnoise", "simulate",
                            str(ROOT / "examples" / "fig3.toml"), "--out", str(out), "-q"],
                           check=True, capture_output=True, env=env)
            times.append(time.perf_counter() - start)
    return (f"The first run compiles the kernels: the main job took {times[0]:.1f} s with an "
            f"empty kernel cache and {times[1]:.1f} s when run again (fresh processes, "
            "`python benchmarks/readme_numbers.py main-job`).")


SECTIONS = {"networks": networks, "trained-noise": trained_noise, "main-job": main_job}


def blocks(text: str) -> dict:
    """``name -> (start, end)`` character spans of the README's marked blocks' contents."""
    found = {}
    for m in re.finditer(r"<!-- readme-numbers:([\w-]+) -->\n(.*?)<!-- /readme-numbers:\1 -->",
                         text, flags=re.S):
        found[m.group(1)] = (m.start(2), m.end(2))
    return found


def replace(text: str, name: str, body: str) -> str:
    spans = blocks(text)
    if name not in spans:
        raise SystemExit(f"README.md has no block '{name}' (<!-- readme-numbers:{name} -->)")
    a, b = spans[name]
    return text[:a] + body.rstrip("\n") + "\n" + text[b:]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sections", nargs="*", choices=[[], *SECTIONS], metavar="SECTION",
                    help=f"blocks to remake: {', '.join(SECTIONS)} (default: all)")
    ap.add_argument("--write", action="store_true", help="rewrite the blocks in README.md")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if a deterministic block of README.md differs from a fresh measurement")
    ap.add_argument("--data", default=os.environ.get("FASTNOISE_DATA"),
                    help="datasets folder (default: $FASTNOISE_DATA)")
    args = ap.parse_args(argv)
    names = args.sections or list(SECTIONS)
    text = README.read_text(encoding="utf-8")
    status = 0
    for name in names:
        if args.check and name not in DETERMINISTIC:
            continue
        body = SECTIONS[name](args.data)
        if args.check:
            a, b = blocks(text).get(name, (0, 0))
            if text[a:b].rstrip("\n") != body:
                print(f"README.md block '{name}' differs from the measurement:\n{body}")
                status = 1
        elif args.write:
            text = replace(text, name, body)
        else:
            print(f"<!-- readme-numbers:{name} -->\n{body}\n<!-- /readme-numbers:{name} -->")
    if args.write:
        README.write_text(text, encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
