"""fastnoise.validation: the one module of argument checks (DESIGN.md, conventions 8 and 13)."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from fastnoise import validation as V
from fastnoise.validation import check_choice, check_int, check_keys, choice_hint, did_you_mean


def _one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg
    return msg


# -- check_int -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [3, np.int64(3), np.uint8(3), np.int32(3)])
def test_check_int_accepts_python_and_numpy_integers_and_returns_int(value):
    out = check_int("n", value, 1)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize("args, value, exc, message", [
    ((), 1.5, TypeError, "n must be an integer, got 1.5"),
    ((2,), 1.5, TypeError, "n must be an integer ≥ 2, got 1.5"),
    ((2,), True, TypeError, "n must be an integer ≥ 2, got True"),
    ((2,), np.bool_(True), TypeError, "n must be an integer ≥ 2, got "),
    ((2,), 3.0, TypeError, "n must be an integer ≥ 2, got 3.0"),
    ((2,), "3", TypeError, "n must be an integer ≥ 2, got '3'"),
    ((2,), 1, ValueError, "n must be an integer ≥ 2, got 1"),
    ((2,), np.int64(1), ValueError, "n must be an integer ≥ 2, got 1"),
    ((1, 5), 6, ValueError, "n must be an integer in [1, 5], got 6"),
    ((1, 5), 0, ValueError, "n must be an integer in [1, 5], got 0"),
    ((1, 5, "for a reason"), 6, ValueError, "n must be an integer in [1, 5] for a reason, got 6"),
    ((None, 5), 6, ValueError, "n must be an integer ≤ 5, got 6"),
])
def test_check_int_messages(args, value, exc, message):
    with pytest.raises(exc) as info:
        check_int("n", value, *args)
    assert _one_line(info).startswith(message)


def test_check_int_bounds_are_inclusive_and_below_is_exclusive():
    assert check_int("n", 1, 1, 5) == 1 and check_int("n", 5, 1, 5) == 5
    assert check_int("seed", 2 ** 64 - 1, 0, below=2 ** 64) == 2 ** 64 - 1
    with pytest.raises(ValueError, match=re.escape("seed must be an integer in [0, 2**64), got 18446744073709551616")):
        check_int("seed", 2 ** 64, 0, below=2 ** 64)
    with pytest.raises(ValueError, match=re.escape("stream must be an integer in [0, 65536), got 65536")):
        check_int("stream", 2 ** 16, 0, below=2 ** 16)
    with pytest.raises(ValueError, match=re.escape("n must be an integer < 3, got 3")):
        check_int("n", 3, below=3)
    with pytest.raises(TypeError, match="not both"):
        check_int("n", 3, 0, 4, below=5)


def test_check_int_reproduces_the_simulate_messages():
    """The messages of simulate.py's former ``_check_int(name, value, low, high=None)``
    (``high`` exclusive): ``check_int(name, value, low, below=high)`` gives the same
    ValueError; its TypeError now states the range as well."""
    def old(name, value, low, high=None):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {value!r}")
        value = int(value)
        if value < low or (high is not None and value >= high):
            rng = f"≥ {low}" if high is None else f"in [{low}, {V.show_bound(high)})"
            raise ValueError(f"{name} must be an integer {rng}, got {value}")
        return value

    for args, value in [((1,), 0), ((2,), -5), ((0, 2 ** 64), 2 ** 64), ((0, 2 ** 64), -1),
                        ((0, 2 ** 16), 2 ** 16), ((1,), np.int64(0))]:
        low, high = (args + (None,))[:2]
        with pytest.raises(ValueError) as a:
            old("x", value, low, high)
        with pytest.raises(ValueError) as b:
            check_int("x", value, low, below=high)
        assert str(a.value) == str(b.value)
    with pytest.raises(TypeError) as b:
        check_int("x", 1.5, 1)
    assert str(b.value).startswith("x must be an integer")


def test_show_bound():
    assert V.show_bound(2 ** 64) == "2**64" and V.show_bound(2 ** 32) == "2**32"
    assert V.show_bound(2 ** 16) == "65536" and V.show_bound(1000) == "1000" and V.show_bound(-3) == "-3"


# -- choices and keys ------------------------------------------------------------------------------

def test_did_you_mean_and_choice_hint():
    assert did_you_mean("mnis", ("mnist", "fashion-mnist")) == "; did you mean 'mnist'?"
    assert did_you_mean("zzzz", ("mnist", "fashion-mnist")) == ""
    assert did_you_mean("symetric", {"symmetric": 1, "file": 2}, quote=lambda s: f'"{s}"') == \
        '; did you mean "symmetric"?'
    assert did_you_mean(3, ("a", "b")) == ""  # non-strings are compared as text
    assert choice_hint("zzzz", ("a", "b")) == "; choose one of a, b"
    assert choice_hint("zzzz", ("a", "b"), lead="valid keys:") == "; valid keys: a, b"
    assert choice_hint("aa", iter(["aa1", "b"])) == "; did you mean 'aa1'?"  # any iterable


def test_check_choice():
    assert check_choice("task", "mnist", ("mnist", "mackey-glass")) == "mnist"
    with pytest.raises(ValueError) as info:
        check_choice("task", "mnis", ("mnist", "mackey-glass"))
    assert _one_line(info) == "unknown task 'mnis'; did you mean 'mnist'?"
    with pytest.raises(ValueError) as info:
        check_choice("method", "zzz", {"gauss": 1, "taylor": 2}, what="prediction method")
    assert _one_line(info) == "unknown prediction method 'zzz'; choose one of gauss, taylor"
    for bad in (["mnist"], {"a": 1}, np.array(["mnist", "x"]), None, 3):
        with pytest.raises(ValueError, match="^unknown task "):
            check_choice("task", bad, ("mnist", "mackey-glass"))


def test_check_keys():
    check_keys({"repeats": 1, "seed": 2}, ("repeats", "seed"), "[top level]")
    check_keys({}, (), "[x]")
    with pytest.raises(ValueError) as info:
        check_keys({"seed": 1, "repeat": 2}, ("repeats", "seed"), "[top level]")
    assert _one_line(info) == "unknown key 'repeat' in [top level]; did you mean 'repeats'?"
    with pytest.raises(ValueError) as info:
        check_keys({"zzz": 1}, ["repeats", "seed"], "[top level]")
    assert _one_line(info) == "unknown key 'zzz' in [top level]; valid keys: repeats, seed"


def test_runconfig_still_exports_check_keys():
    from fastnoise.runconfig import check_keys as from_runconfig

    assert from_runconfig is check_keys


def test_validation_is_a_leaf():
    """Only the standard library and NumPy: any layer may import it without a cycle."""
    tree = ast.parse(open(V.__file__, encoding="utf-8").read())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports in fastnoise.validation"
            roots.add(node.module.split(".")[0])
    assert roots <= {"__future__", "difflib", "typing", "numpy"}, roots
