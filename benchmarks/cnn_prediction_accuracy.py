"""Accuracy of ``fn.predict`` on the two trained CNNs against Monte Carlo, per noise kind.

For the MNIST and the Fashion-MNIST CNN of examples/networks, the first ``--images``
test images, each noise kind alone at the paper's Fig. 3 intensities and all four at
once: ``fn.predict(method="moments")`` against ``fn.simulate`` (float64,
``--repeats`` repetitions, seed 5).  Prints, per layer, the ratio predicted /
simulated of the variance summed over the layer's neurons and the images, and for the
output layer the median and 90th percentile over images of
|predicted / simulated − 1| of the summed output variance; then the simulation's own
relative s.e. of that variance per image, from its output samples (median, 90th
percentile: √(2/K) only for Gaussian outputs, far more for heavy-tailed ones), and the
number of images that miss by more than 10 % + 2 s.e.::

    FASTNOISE_DATA=../shared/data python benchmarks/cnn_prediction_accuracy.py --images 60 --repeats 2000

``--readout KIND`` tests the Gaussian closure of the logistic readout by itself: it
simulates the network with a linear readout (the same weights), keeps the K raw
readout states s̃ of every image, and compares the variance of f(s̃) over those
samples with the Gaussian closure's Var f for a normal s̃ of the samples' own mean
and variance, per image.  Errors there are the closure's alone: no propagation rule
upstream can remove them::

    FASTNOISE_DATA=../shared/data python benchmarks/cnn_prediction_accuracy.py --networks fashion --readout AC --images 12
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NETWORKS = {"mnist": ("mnist", "cnn_mnist.h5"), "fashion": ("fashion-mnist", "cnn_fashion.h5")}


def rows(which: str, images: int, repeats: int, kinds=None):
    """Yield (kind, layer ratios, median, p90, seconds per image of the prediction)."""
    import numpy as np

    import fastnoise as fn
    from fastnoise.paper.cnn_study import _FIELDS, FIG3, KINDS
    from fastnoise.train.data import task_data

    task, name = NETWORKS[which]
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    net = fn.Network.load(os.path.join(here, "examples", "networks", name))
    u = task_data(task, "test")[0][:images]
    for kind in kinds or KINDS + ("all",):
        noise = (fn.Noise(**{_FIELDS[k]: FIG3[k] for k in KINDS}) if kind == "all"
                 else fn.Noise(**{_FIELDS[kind]: FIG3[kind]}))
        t0 = time.perf_counter()
        p = fn.predict(net, u, noise, method="moments")
        tp = (time.perf_counter() - t0) / len(u)
        out = net.n_layers - 1
        s = fn.simulate(net, u, noise, repeats=repeats, seed=5,
                        samples=[(out, i) for i in range(net.widths[out])])
        ratios = [p.var[n].sum() / s.var[n].sum() for n in range(1, net.n_layers)]
        err = np.abs(p.var[-1].sum(axis=1) / s.var[-1].sum(axis=1) - 1.0)
        se = summed_variance_se(s.samples[0])
        misses = int(np.sum(err > 0.10 + 2.0 * se))
        yield (kind, ratios, float(np.median(err)), float(np.percentile(err, 90)), tp, net,
               float(np.median(se)), float(np.percentile(se, 90)), misses)


def summed_variance_se(samples):
    """Relative standard error of the summed output variance, per input, from the samples.

    ``samples`` is (T, K, I) of the output neurons.  The summed variance is the mean
    over the K repetitions of q = Σ_i (y_i − ȳ_i)², so its relative s.e. is
    sd(q) / (√K mean q).  For Gaussian outputs this is √(2/K) (one neuron); an output
    whose variance comes from rare large excursions (kurtosis ≫ 3) has a much larger one.
    """
    import numpy as np

    y = np.asarray(samples, dtype=np.float64)
    q = ((y - y.mean(axis=1, keepdims=True)) ** 2).sum(axis=2)            # (T, K)
    return q.std(axis=1, ddof=1) / (np.sqrt(q.shape[1]) * q.mean(axis=1))


def readout_check(which: str, kind: str, images: int, repeats: int) -> None:
    """Print, per image, Gaussian-closure Var f / sampled Var f at the readout (module docstring)."""
    import dataclasses

    import numpy as np

    import fastnoise as fn
    from fastnoise.paper.cnn_study import _FIELDS, FIG3
    from fastnoise.train.data import task_data

    task, name = NETWORKS[which]
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    net = fn.Network.load(os.path.join(here, "examples", "networks", name))
    act = net.activations[-1]
    ops = list(net.ops)
    ops[-1] = dataclasses.replace(ops[-1], activation="linear")
    lin = fn.Network.from_ops(net.input_shape, ops, net.input_activation, net.input_noise_at,
                              net.mitigation, net.input_order)
    u = task_data(task, "test")[0][:images]
    from fastnoise.noise import per_layer

    noise = per_layer(fn.Noise(**{_FIELDS[kind]: FIG3[kind]}), lin)[:-1] + [fn.Noise()]  # s̃ alone
    width = lin.widths[-1]
    res = fn.simulate(lin, u, noise, repeats=repeats, seed=5,
                      samples=[(lin.n_layers - 1, i) for i in range(width)])
    states = res.samples[0]                                    # (T, K, I_L)
    z, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    su2, sc2, au2, ac2 = fn.Noise(**{_FIELDS[kind]: FIG3[kind]}).variances

    def with_own_noise(mean, var):          # summed Var y of Eq. 3 on outputs of these moments
        return float(np.sum((1 + sc2) * (var + su2 * (var + mean ** 2)) + sc2 * mean ** 2 + au2 + ac2))

    ratios, outputs = [], []
    for t in range(len(u)):
        m, sd = states[t].mean(axis=0), states[t].std(axis=0)
        f = act(m[:, None] + sd[:, None] * z[None])
        cm, cv = f @ w, (f * f) @ w - (f @ w) ** 2
        fs = act(states[t])
        ratios.append(cv.sum() / fs.var(axis=0).sum())
        outputs.append(with_own_noise(cm, cv) / with_own_noise(fs.mean(axis=0), fs.var(axis=0)))
    print(f"{which} CNN, {kind}: Gaussian closure / samples at the readout, per image (readout "
          f"states' own mean and variance, K = {repeats})")
    print("  Var f(s̃):               " + " ".join(f"{r:.3f}" for r in ratios))
    print("  Var y (+ readout noise): " + " ".join(f"{r:.3f}" for r in outputs))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=30, help="test images (default 30)")
    ap.add_argument("--repeats", type=int, default=2000, help="K of the simulation (default 2000)")
    ap.add_argument("--networks", default="mnist,fashion", help="comma-separated: mnist, fashion")
    ap.add_argument("--kinds", default="AU,AC,MU,MC,all",
                    help="comma-separated noise kinds: AU, AC, MU, MC, all (default: every one)")
    ap.add_argument("--readout", metavar="KIND", choices=("AU", "AC", "MU", "MC"),
                    help="only test the readout's Gaussian closure under this noise kind")
    args = ap.parse_args(argv)
    if args.readout:
        for which in args.networks.split(","):
            readout_check(which, args.readout, args.images, args.repeats)
        return 0
    print(f"Monte Carlo relative s.e. of a Gaussian variance: {100 * (2 / args.repeats) ** 0.5:.1f} %; "
          "'s.e.' columns: the simulation's own, per image, from its samples (median, p90); "
          "'miss': images with |error| > 10 % + 2 s.e.")
    for which in args.networks.split(","):
        header = False
        for kind, ratios, med, p90, tp, net, se50, se90, miss in rows(which, args.images, args.repeats,
                                                                          tuple(args.kinds.split(","))):
            if not header:
                layers = " ".join(f"{op.kind[:7]:>7s}" for op in net.ops)
                print(f"\n{which} CNN, {args.images} images: predicted/simulated summed variance per layer")
                print(f"kind  {layers} | output per image: median  p90 | s.e. med  p90 | miss | s/image")
                header = True
            print(f"{kind:5s} " + " ".join(f"{r:7.3f}" for r in ratios)
                  + f" |                {100 * med:5.1f}% {100 * p90:5.1f}% | {100 * se50:5.1f}% "
                  f"{100 * se90:5.1f}% | {miss:4d} | {tp:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
