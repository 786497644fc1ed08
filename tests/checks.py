"""Assertions shared by several test modules.

* ``run_cli`` / ``assert_one_line_error``: drive ``fastnoise.cli.main`` in
  process and check the CLI's error contract (exit status 2, one line on
  stderr starting ``fastnoise: error:``, no traceback).
* ``assert_standard_normal_moments``, ``assert_tail_count``,
  ``assert_uncorrelated``: fixed-seed checks of normal generators, each
  tolerance derived from the sampling distribution, not tuned: moments within
  5 standard errors (two-sided probability 6e-7 for a correct generator), tail
  counts within 5 binomial standard errors, sample correlations of
  independent variables within 4/√n (probability 6e-5).
* ``double_onnx``: a float64 copy of a float32 ONNX model (for the reference evaluator).
* ``shared_data_env`` / ``data_or_skip``: the datasets of the training tests
  (``../shared/data`` when ``FASTNOISE_DATA`` is unset; missing data fails
  under CI, where it is set, and skips elsewhere).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from scipy import stats

#: The repository's root folder.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: ``FASTNOISE_DATA`` is set by ``.ci/run``: missing data is a failure there.
CI_DATA = "FASTNOISE_DATA" in os.environ


def shared_data_env():
    """Generator for a module fixture: point ``FASTNOISE_DATA`` at ``../shared/data`` for
    the module's tests when it is unset and that folder exists."""
    sibling = os.path.join(os.path.dirname(ROOT), "shared", "data")
    with pytest.MonkeyPatch.context() as mp:
        if "FASTNOISE_DATA" not in os.environ and os.path.isdir(sibling):
            mp.setenv("FASTNOISE_DATA", sibling)
        yield


def data_or_skip(task):
    """Skip (or, under CI, fail) unless the test split of ``task`` can be read."""
    from fastnoise.train import task_data

    try:
        task_data(task, "test")
    except FileNotFoundError as exc:
        if CI_DATA:
            pytest.fail(f"{task} data not found although FASTNOISE_DATA is set: {exc}")
        pytest.skip(f"{task} data not found: {exc}")


def run_cli(capsys, *argv):
    """``fastnoise ARGV...`` in this process: (exit status, stdout, stderr)."""
    from fastnoise.cli import main

    code = main([os.fspath(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *words):
    """Exit status 2 and one ``fastnoise: error:`` line holding every word."""
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("fastnoise: error: ")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def assert_standard_normal_moments(z):
    """Mean, variance, skewness and excess kurtosis of iid N(0, 1) draws within
    5 standard errors: 1/√n, √(2/(n−1)), √(6/n), √(24/n) to leading order."""
    z = np.ravel(z)
    n = z.size
    assert abs(z.mean()) < 5 / math.sqrt(n)
    assert abs(z.var(ddof=1) - 1.0) < 5 * math.sqrt(2 / (n - 1))
    assert abs(stats.skew(z)) < 5 * math.sqrt(6 / n)
    assert abs(stats.kurtosis(z)) < 5 * math.sqrt(24 / n)


def assert_tail_count(z, threshold):
    """The count of |z| > c matches 2Φ(−c)·n within 5 binomial standard errors."""
    z = np.ravel(z)
    p = 2 * stats.norm.sf(threshold)
    count = np.count_nonzero(np.abs(z) > threshold)
    assert abs(count - z.size * p) < 5 * math.sqrt(z.size * p * (1 - p))


def assert_uncorrelated(a, b):
    """|sample correlation| < 4/√n: for independent variables the sample
    correlation has mean 0 and standard deviation 1/√n (any distribution with
    finite variance)."""
    a, b = np.ravel(a), np.ravel(b)
    r = np.corrcoef(a, b)[0, 1]
    assert abs(r) < 4 / math.sqrt(a.size), r


def partials(path) -> list[str]:
    """The half-built stores of ``path`` on disk (``<path>.<pid>-<token>.partial``, or the
    ``<path>.partial`` of older versions)."""
    import glob

    path = os.fspath(path)
    return sorted(glob.glob(glob.escape(path) + ".*partial"))


def leftovers(path) -> list[str]:
    """Files a finished or refused writer of ``path`` must not leave: partials and the lock file."""
    path = os.fspath(path)
    return partials(path) + ([path + ".lock"] if os.path.exists(path + ".lock") else [])


class Interrupt:
    """Progress callback that raises KeyboardInterrupt once ``at`` inputs are done
    (a run stopped part-way, for resume tests)."""

    def __init__(self, at):
        self.at = at

    def __call__(self, done, total):
        if done >= self.at:
            raise KeyboardInterrupt


def double_onnx(path):
    """A float64 copy of a float32 ONNX model (initializers, graph inputs and outputs)."""
    import onnx
    from onnx import TensorProto, numpy_helper

    m = onnx.load(path)
    for i, t in enumerate(m.graph.initializer):
        a = numpy_helper.to_array(t)
        if a.dtype == np.float32:
            m.graph.initializer[i].CopyFrom(numpy_helper.from_array(a.astype(np.float64), t.name))
    for v in list(m.graph.input) + list(m.graph.output) + list(m.graph.value_info):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            v.type.tensor_type.elem_type = TensorProto.DOUBLE
    return m
