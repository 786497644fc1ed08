"""Silent garbage is refused or reported (issue 13.5).

Non-finite means and variances from finite settings (arithmetic overflow) warn
in Python and fail ``fastnoise simulate`` unless ``--allow-nonfinite``, in both
precisions; intensities whose amplitude √(2D) overflows are refused up front;
complex inputs, weights, biases and intensities are refused everywhere instead
of losing their imaginary part.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.cli import main

NET = fn.symmetric([1, 3, 1])
U = np.array([0.5, 1.0])

CONFIG = """\
repeats = 4
seed = 1

[network]
kind = "symmetric"
widths = [1, 3, 1]

[noise]
multiplicative = {D}
multiplicative_correlated = {D}

[inputs]
kind = "linspace"
count = 5
"""


@pytest.mark.parametrize("precision, D, layer", [("float64", 1e300, 0), ("float32", 1e10, 2)])
def test_nonfinite_results_warn_in_python(precision, D, layer):
    noise = fn.Noise(multiplicative=D, multiplicative_correlated=D)
    with pytest.warns(RuntimeWarning, match=rf"of 10 variances are not finite \(layer {layer} "
                                            rf"first\).*too large for {precision} arithmetic"):
        res = fn.simulate(NET, U, noise, repeats=4, precision=precision)
    assert not np.all(np.isfinite(res.mean[-1])) or not np.all(np.isfinite(res.var[-1]))
    with warnings.catch_warnings():  # finite results: no warning
        warnings.simplefilter("error")
        fn.simulate(NET, U, fn.Noise(multiplicative=1e-3), repeats=4, precision=precision)


def test_intensities_whose_amplitude_overflows_are_refused():
    with pytest.raises(ValueError, match=r"additive intensity must be ≤ 8\.988e\+307 .*overflows "
                                         r"float64.*got 1e\+308"):
        fn.Noise(additive=1e308)
    fn.Noise(additive=8.9e307)  # its amplitude is finite
    with pytest.raises(ValueError, match=r"overflow float32 .*use precision='float64'"):
        fn.simulate(NET, U, fn.Noise(additive=1e100), repeats=4, precision="float32")


def test_cli_fails_on_nonfinite_results_unless_allowed(tmp_path, capsys):
    cfg = tmp_path / "run.toml"
    cfg.write_text(CONFIG.format(D=1e300))
    out = tmp_path / "run.h5"
    assert main(["simulate", str(cfg), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "of 25 variances of run run0 are not finite (layer 0 first)" in err[0]
    assert f"kept in {out}; pass --allow-nonfinite" in err[0]
    assert out.exists()  # the results are kept
    with fn.Store(out) as st:
        assert st.run().status == "complete" and "nonfinite" in st.run().group.attrs
    assert main(["simulate", str(cfg), "--out", str(out), "-q"]) == 2  # reused: still refused
    capsys.readouterr()
    assert main(["simulate", str(cfg), "--out", str(out), "-q", "--allow-nonfinite"]) == 0
    assert main(["simulate", "--help"]) == 0
    assert "--allow-nonfinite" in capsys.readouterr().out
    cfg.write_text(CONFIG.format(D=1e-3))  # finite: no error, no mark
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "ok.h5"), "-q"]) == 0
    with fn.Store(tmp_path / "ok.h5") as st:
        assert "nonfinite" not in st.run().group.attrs


W = np.ones((2, 1))
CZ = np.array([0.5 + 1j])
COMPLEX = [
    ("simulate", lambda: fn.simulate(NET, CZ, repeats=2), "inputs"),
    ("simulate-real-part-only", lambda: fn.simulate(NET, np.array([0.5 + 0j]), repeats=2), "inputs"),
    ("simulate-list", lambda: fn.simulate(NET, [0.5 + 1j], repeats=2), "inputs"),
    ("forward", lambda: fn.forward(NET, CZ), "inputs"),
    ("predict", lambda: fn.predict(NET, CZ, fn.Noise(additive=1e-4)), "inputs"),
    ("weights", lambda: fn.Network.from_layers([W * (1 + 1j)]), r"weights\[1\]"),
    ("biases", lambda: fn.Network.from_layers([W], [np.array([1j, 0])]), r"biases\[1\]"),
    ("noise", lambda: fn.Noise(additive=np.complex128(1e-4)), "additive intensity"),
    ("noise-python-complex", lambda: fn.Noise(multiplicative=1e-4 + 0j), "multiplicative intensity"),
]


@pytest.mark.parametrize("case, call, name", COMPLEX, ids=[c[0] for c in COMPLEX])
def test_complex_values_are_refused(case, call, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # never a ComplexWarning: a refusal
        with pytest.raises(TypeError, match=rf"^{name} must be real, got complex128$"):
            call()


def test_complex_weights_from_a_file_are_refused(tmp_path):
    path = tmp_path / "net.npz"
    np.savez(path, W1=np.ones((3, 2)) * (1 + 1j), W2=np.ones((1, 3)))
    with pytest.raises((TypeError, ValueError), match=r"must be real, got complex128"):
        fn.load_model(str(path), activations=["linear", "tanh", "linear"])
