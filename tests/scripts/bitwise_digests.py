"""SHA-256 digests of the stores of a fixed set of runs (the bitwise-identity fixture).

Every case below is run into a fresh store with the public Python API; the
digest covers every dataset of the run (name, dtype, shape and raw bytes), not
the attributes (creation time, version and config JSON may legitimately
change).  ``tests/data/bitwise_digests.json`` holds the digests made at commit
767c6fb; ``tests/test_bitwise.py`` recomputes them, so any change of results
for these networks, seeds and precisions fails the suite.

    python tests/scripts/bitwise_digests.py --networks DIR --data DIR > digests.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile

import numpy as np

#: name -> what it covers (the keys of the JSON fixture)
CASES = {
    "fig3": "symmetric 1-200-200-1, alpha 4, all four noise kinds, K 300, T 1000 (the paper's Fig. 3)",
    "per_layer": "symmetric 1-50-50-1, per-layer noise, samples and histogram",
    "random_dense": "random dense 6-40-30-4 logistic/tanh, multiplicative noise",
    "netA": "network A on 40 MNIST test images, with accuracy",
    "netB": "network B on 40 Fashion-MNIST test images, with accuracy",
    "netC": "network C on 40 Mackey-Glass windows",
}


def run_digest(path) -> str:
    """SHA-256 over every dataset of the only run in the store at ``path``."""
    import h5py

    h = hashlib.sha256()
    with h5py.File(path, "r") as f:
        (run,) = f["runs"].values()
        names = []
        run.visit(lambda n: names.append(n) if isinstance(run[n], h5py.Dataset) else None)
        for name in sorted(names):
            a = np.ascontiguousarray(run[name][()])
            h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
            h.update(a.tobytes())
    return h.hexdigest()


def cases(networks: str, data: str):
    """Yield (name, precision, kwargs for fn.simulate without store)."""
    import fastnoise as fn
    from fastnoise.io import datasets, mackey_glass

    four = fn.Noise(additive=1e-4, additive_correlated=1e-4,
                    multiplicative=1e-3, multiplicative_correlated=1e-3)
    nets = {k: fn.Network.load(os.path.join(networks, f"{k}.h5")) for k in "ABC"}
    mnist_x, mnist_y = datasets.load("mnist", split="test", path=data)
    fashion_x, fashion_y = datasets.load("fashion-mnist", split="test", path=data)
    mg = mackey_glass.windows(mackey_glass.series(1200), 100)[0][:40]
    for precision in ("float64", "float32"):
        yield "fig3", precision, dict(
            net=fn.symmetric([1, 200, 200, 1], alpha=4.0), inputs=np.linspace(0, 1, 1000)[:, None],
            noise=four, repeats=300, seed=1)
        yield "per_layer", precision, dict(
            net=fn.symmetric([1, 50, 50, 1], alpha=4.0),
            inputs=np.random.default_rng(3).uniform(0, 1, (200, 1)),
            noise=[fn.Noise(), fn.Noise(additive=1e-4, additive_correlated=1e-4),
                   fn.Noise(additive=1e-4, multiplicative=1e-3),
                   fn.Noise(multiplicative=1e-3, multiplicative_correlated=1e-3)],
            repeats=200, seed=7, samples=[(1, 0), (3, 0)],
            histogram={"bins": 20, "range": (0.0, 1.0)})
        yield "random_dense", precision, dict(
            net=fn.random_dense([6, 40, 30, 4], activation="tanh", seed=5, output_activation="logistic"),
            inputs=np.random.default_rng(9).normal(0, 1, (50, 6)),
            noise=fn.Noise(multiplicative=1e-3, multiplicative_correlated=1e-4), repeats=100, seed=11)
        yield "netA", precision, dict(net=nets["A"], inputs=mnist_x[:40].reshape(40, -1) / 255.0,
                                      noise=four, repeats=100, seed=1, labels=mnist_y[:40])
        yield "netB", precision, dict(net=nets["B"], inputs=fashion_x[:40].reshape(40, -1) / 255.0,
                                      noise=four, repeats=100, seed=2, labels=fashion_y[:40])
        yield "netC", precision, dict(net=nets["C"], inputs=mg, noise=four, repeats=100, seed=3)


def digests(networks: str, data: str) -> dict:
    import fastnoise as fn

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, precision, kw in cases(networks, data):
            path = os.path.join(tmp, f"{name}_{precision}.h5")
            fn.simulate(**kw, store=path, precision=precision, keep=False)
            out[f"{name}/{precision}"] = run_digest(path)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--networks", required=True, help="folder holding A.h5, B.h5, C.h5")
    ap.add_argument("--data", required=True, help="folder holding the MNIST/Fashion-MNIST files")
    args = ap.parse_args(argv)
    json.dump(digests(args.networks, args.data), sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
