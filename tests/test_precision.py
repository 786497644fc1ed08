"""precision="float32": float32 matrix products (Eq. 1), everything else float64.

The float32 run uses the same normals as the float64 one, so the two differ
only by the rounding of y to float32 before each GEMM and of the float32
sums: relative errors of order 2**-24·√I per x̃.  With the noise of the
paper's Fig. 3 (D ≥ 1e-4, so Var y ≳ 1e-4 while |x̃| ≲ 1) that perturbs each
variance by far less than 1e-5 relative, and each mean by far less than
1e-6 absolute; the bounds below are those, not fitted.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnoise as fn

NOISE = fn.Noise(additive=1e-4, additive_correlated=1e-4, multiplicative=1e-3,
                 multiplicative_correlated=1e-3)


@pytest.mark.parametrize("net", [
    fn.symmetric([1, 60, 60, 1], alpha=4.0),
    fn.random_dense([30, 40, 20, 5], activation="logistic", seed=2),
], ids=["symmetric", "dense"])
def test_float32_matches_float64_with_the_same_normals(net):
    rng = np.random.default_rng(0)
    u = rng.uniform(0, 1, (40, net.widths[0]))
    r64 = fn.simulate(net, u, NOISE, repeats=200, seed=5)
    r32 = fn.simulate(net, u, NOISE, repeats=200, seed=5, precision="float32")
    for n in range(net.n_layers):
        np.testing.assert_allclose(r32.var[n], r64.var[n], rtol=1e-5)
        np.testing.assert_allclose(r32.mean[n], r64.mean[n], rtol=0, atol=1e-6)
    # the input layer precedes every GEMM: identical bits
    assert r32.var[0].tobytes() == r64.var[0].tobytes()
    # and not simply the float64 path
    assert any(r32.var[n].tobytes() != r64.var[n].tobytes() for n in range(1, net.n_layers))
    # the noiseless states are always float64
    for n in range(net.n_layers):
        assert r32.noiseless_x[n].tobytes() == r64.noiseless_x[n].tobytes()


def test_float32_is_deterministic_across_threads_and_blocks():
    net = fn.symmetric([1, 50, 50, 1], alpha=3.0)
    u = np.linspace(0, 1, 37)
    a = fn.simulate(net, u, NOISE, repeats=50, seed=9, precision="float32", threads=1, block=5)
    b = fn.simulate(net, u, NOISE, repeats=50, seed=9, precision="float32", threads=2, block=64)
    for n in range(net.n_layers):
        assert a.var[n].tobytes() == b.var[n].tobytes()
        assert a.mean[n].tobytes() == b.mean[n].tobytes()


def test_precision_is_recorded_and_validated(tmp_path):
    net = fn.symmetric([1, 10, 1], alpha=2.0)
    u = np.linspace(0, 1, 8)
    r = fn.simulate(net, u, NOISE, repeats=10, precision="float32", store=tmp_path / "a.h5")
    assert r.config["precision"] == "float32"
    assert "precision" not in fn.simulate(net, u, NOISE, repeats=10).config  # float64 keeps its hash
    with pytest.raises(Exception, match="precision: stored \"float32\", now null"):
        fn.simulate(net, u, NOISE, repeats=10, store=tmp_path / "a.h5", resume=True)
    with pytest.raises(ValueError, match=r"precision must be 'float64' or 'float32'.*got 'half'"):
        fn.simulate(net, u, NOISE, repeats=10, precision="half")
    from fastnoise.runconfig import loads_config

    base = ('[network]\nkind = "symmetric"\nwidths = [1, 4, 1]\nalpha = 2.0\n'
            '[inputs]\nkind = "linspace"\nstart = 0.0\nstop = 1.0\ncount = 3\n')
    assert loads_config(base + '[output]\nprecision = "float32"\n').precision == "float32"
    assert loads_config(base).simulate_kwargs()["precision"] == "float64"
    with pytest.raises(ValueError, match=r'precision = "f16" in \[output\] must be "float64" or '
                                         r'"float32"'):
        loads_config(base + '[output]\nprecision = "f16"\n')
