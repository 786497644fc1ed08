"""Options of the analytic methods are bounded by what the method can compute (issue 13.6).

``predict --method taylor --order 100000`` ran for minutes; every such option
now has a range, stated with its reason.  (The tests use values just past each
bound, so that the old code fails them fast instead of running for minutes.)
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.analytic.closures import taylor_orders
from fastnoise.cli import main

QUICK = str(Path(__file__).resolve().parent.parent / "examples" / "quick.toml")
NET = fn.symmetric([1, 5, 1])
NOISE = fn.Noise(additive=1e-4, multiplicative=1e-3)


def test_taylor_order_bound_is_where_float64_overflows_and_is_enforced():
    # √μ_2M = √((2M−1)!!) of order 268 is finite, of 269 not: past it every term is inf
    log_mu = lambda k: math.lgamma(k + 1) - k // 2 * math.log(2) - math.lgamma(k // 2 + 1)  # noqa: E731
    limit = math.log(np.finfo(np.float64).max)
    assert 0.5 * log_mu(2 * 268) < limit < 0.5 * log_mu(2 * 269)
    pred = fn.predict(NET, [0.5], NOISE, method="taylor", order=268)  # the last order, computable
    assert pred.var[-1].shape == (1, 1)
    with pytest.raises(ValueError, match=r"max_order must be an integer in \[1, 268\]"):
        taylor_orders("tanh", 0.1, 0.01, 269)


@pytest.mark.parametrize("method, options, message", [
    ("taylor", dict(order=269), r"order must be an integer in \[1, 268\] for the taylor closure "
                                r"\(above 268 .* overflows float64.*\), got 269"),
    ("gauss", dict(nodes=1001), r"nodes must be an integer in \[1, 1000\] for the gauss closure "
                                r"\(.*\), got 1001"),
    ("moments", dict(nodes=151), r"nodes must be an integer in \[2, 150\] .*hermegauss weights "
                                 r"overflow above 150\), got 151"),
    ("density", dict(grid=8193), r"grid must be an integer in \[16, 8192\] cells \(.*\), got 8193"),
])
def test_method_options_are_bounded(method, options, message):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message):
        fn.predict(NET, [0.5], NOISE, method=method, **options)
    assert time.perf_counter() - start < 10


def test_cli_predict_refuses_an_order_it_cannot_compute(capsys):
    rc = main(["predict", QUICK, "--method", "taylor", "--order", "300"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1, err
    assert "order must be an integer in [1, 268] for the taylor closure" in err[0]
    assert err[0].endswith("got 300")
