"""The classification reducer (noisy argmax per repetition) and accuracy statistics."""

from __future__ import annotations

import numpy as np
import pytest

import fastnoise as fn
import reference as ref

ALL = fn.Noise(additive=3e-3, additive_correlated=1e-3, multiplicative=3e-3,
               multiplicative_correlated=1e-3)


@pytest.fixture(scope="module")
def clf():
    """A 6-30-5 logistic classifier and inputs whose noiseless classes vary."""
    net = fn.random_dense([6, 30, 5], activation="logistic", seed=4, weight_scale=3.0)
    u = np.random.default_rng(7).uniform(0, 1, (40, 6))
    clean = np.argmax(fn.forward(net, u)[1][-1], axis=1)
    labels = clean.copy()
    labels[::4] = (labels[::4] + 1) % 5           # some inputs "misclassified" without noise
    return net, u, labels


def test_argmax_equals_numpy_twin(clf):
    net, u, labels = clf
    T, K = u.shape[0], 25
    _, total = ref.slot_offsets(net.widths)
    z = np.random.default_rng(3).standard_normal((T, K, total))
    _, _, ys = ref.noisy_forward(net, u, ALL, z, return_samples=True)
    res = fn.simulate(net, u, ALL, repeats=K, noise_values=z, labels=labels, block=7)
    want = np.argmax(ys[-1], axis=2)
    # the twin and the kernel round differently in the last bits: allow only
    # repetitions whose two largest outputs are within rounding of each other
    top2 = np.sort(ys[-1], axis=2)[:, :, -2:]
    close = (top2[:, :, 1] - top2[:, :, 0]) < 1e-12
    assert np.array_equal(res.predicted[~close], want[~close])
    assert res.predicted.dtype == np.int32 and res.predicted.shape == (T, K)


def test_accuracy_statistics_by_hand(clf):
    net, u, labels = clf
    res = fn.simulate(net, u, ALL, repeats=30, seed=2, labels=labels)
    acc = res.accuracy()
    correct = res.predicted == labels[:, None]
    per_rep = correct.mean(axis=0)
    assert acc["accuracy_mean"] == pytest.approx(per_rep.mean())
    assert acc["accuracy_std"] == pytest.approx(per_rep.std(ddof=1))
    clean = np.argmax(res.noiseless_x[-1], axis=1)
    assert acc["noiseless_accuracy"] == pytest.approx(np.mean(clean == labels)) == pytest.approx(0.75)
    assert acc["agreement"] == pytest.approx(np.mean(res.predicted == clean[:, None]))
    np.testing.assert_allclose(acc["per_input_correct"], correct.mean(axis=1))
    # noise costs accuracy relative to the noiseless network, never more than it is
    assert 0 < acc["agreement"] < 1


def test_noiseless_run_agrees_everywhere(clf):
    net, u, labels = clf
    acc = fn.simulate(net, u, fn.Noise(), repeats=3, labels=labels).accuracy()
    assert acc["agreement"] == 1.0 and acc["accuracy_std"] == 0.0
    assert acc["accuracy_mean"] == acc["noiseless_accuracy"]


def test_classify_without_labels(clf):
    net, u, _ = clf
    acc = fn.simulate(net, u, ALL, repeats=5, classify=True).accuracy()
    assert acc["accuracy_mean"] is None and 0 < acc["agreement"] <= 1


def test_store_resume_and_threads_are_bitwise(clf, tmp_path):
    net, u, labels = clf
    kw = dict(net=net, inputs=u, noise=ALL, repeats=12, seed=5, labels=labels)
    ref_res = fn.simulate(**kw, block=40, threads=1)
    path = tmp_path / "acc.h5"

    class Stop:
        def __init__(self):
            self.calls = 0

        def __call__(self, done, total):
            self.calls += 1
            if self.calls == 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fn.simulate(**kw, block=6, store=path, progress=Stop())
    fn.simulate(**kw, block=6, store=path, resume=True)
    with fn.Store(path) as s:
        run = s.run()
        assert np.array_equal(run.predicted(), ref_res.predicted)
        assert np.array_equal(run.labels(), labels)
        assert fn.stats.accuracy(run)["accuracy_mean"] == ref_res.accuracy()["accuracy_mean"]


@pytest.mark.parametrize("labels, match", [
    (np.zeros(39, int), r"labels must have shape \(40,\)"),
    (np.full(40, 5), r"labels\[0\] = 5 is not a class of the 5-neuron output layer"),
    (np.full(40, 0.5), "labels must be integer classes"),
])
def test_bad_labels(clf, labels, match, tmp_path):
    net, u, _ = clf
    with pytest.raises(ValueError, match=match):
        fn.simulate(net, u, ALL, repeats=3, labels=labels, store=tmp_path / "x.h5")
    assert not (tmp_path / "x.h5").exists()


def test_classify_needs_two_outputs():
    net = fn.symmetric([1, 4, 1])
    with pytest.raises(ValueError, match="≥ 2 neurons"):
        fn.simulate(net, [[0.5]], ALL, repeats=3, classify=True)


def test_accuracy_without_recorded_classes():
    net = fn.symmetric([1, 4, 2])
    res = fn.simulate(net, [[0.5]], ALL, repeats=3)
    with pytest.raises(ValueError, match="simulate with labels"):
        res.accuracy()
