"""Sweep specs: axes, combination, base configs, keys and one-line errors (no simulation)."""

from __future__ import annotations

import copy
import itertools
import json
import os
import re

import numpy as np
import pytest

from fastnoise.noise import Noise
from fastnoise.runconfig import RunConfig
from fastnoise.sweep import Axis, Sweep, load_sweep, loads_sweep, parse_sweep
from fastnoise.sweep.spec import params_json

BASE = """
repeats = 20
seed = 1

[network]
kind = "symmetric"
widths = [1, 8, 8, 1]
alpha = 4.0

[noise]
additive = 1e-4

[inputs]
kind = "linspace"
start = 0.0
stop = 1.0
count = 5
"""

# the same run config as a [base] table of a sweep spec
INLINE = """
[base]
repeats = 20
network = { kind = "symmetric", widths = [1, 8, 8, 1], alpha = 4.0 }
noise = { additive = 1e-4 }
inputs = { kind = "linspace", start = 0.0, stop = 1.0, count = 5 }
"""

NO_NOISE = INLINE.replace("noise = { additive = 1e-4 }\n", "")

# four [[noise.layers]] tables (the 1-8-8-1 network has four layers)
LAYERED = NO_NOISE + """
[[base.noise.layers]]
[[base.noise.layers]]
additive = 1e-4
[[base.noise.layers]]
[[base.noise.layers]]
"""


def spec(axes: str, head: str = "") -> str:
    """A sweep spec: ``head`` (top-level keys), the inline base, then ``axes``."""
    return head + INLINE + axes


def axis(key: str, body: str, group: str | None = None) -> str:
    return f'[[axes]]\nkey = "{key}"\n{body}\n' + (f'group = "{group}"\n' if group else "")


def raises_one_line(exc_type, match, fn, *args, **kwargs):
    """``fn(*args)`` raises ``exc_type`` matching ``match``, its message on one line."""
    with pytest.raises(exc_type, match=match) as info:
        fn(*args, **kwargs)
    msg = str(info.value)
    assert "\n" not in msg and msg.strip() == msg
    return msg


# -- product -------------------------------------------------------------------------

def test_product_order_shape_and_params():
    s = loads_sweep(spec(axis("network.alpha", "values = [1.0, 2.0, 3.0]")
                         + axis("noise.additive", "values = [1e-5, 1e-3]")))
    assert isinstance(s, Sweep)
    assert s.combine == "product"
    assert s.n_points == 6 and len(s.params) == 6 and s.shape == (3, 2)
    assert s.keys == ["network.alpha", "noise.additive"]
    assert s.dims == [("network.alpha", ["network.alpha"]), ("noise.additive", ["noise.additive"])]
    expected = list(itertools.product([1.0, 2.0, 3.0], [1e-5, 1e-3]))  # last axis fastest
    assert [(p["network.alpha"], p["noise.additive"]) for p in s.params] == expected
    assert all(list(p) == ["network.alpha", "noise.additive"] for p in s.params)
    assert s.axes == [Axis("network.alpha", [1.0, 2.0, 3.0], "network.alpha"),
                      Axis("noise.additive", [1e-5, 1e-3], "noise.additive")]
    assert s.describe(1) == "network.alpha = 1.0, noise.additive = 0.001"
    assert s.path is None
    assert repr(s) == ("Sweep(6 points: network.alpha[3] x noise.additive[2], path=None)")


def test_product_of_three_axes_matches_itertools_and_np_ndindex():
    a, b, c = [1, 2], [10.0, 20.0, 30.0], ["x", "y"]
    s = loads_sweep(spec(axis("seed", f"values = {a}") + axis("network.alpha", f"values = {b}")
                         + axis("inputs.kind", 'values = ["linspace", "linspace"]')),
                    validate=False)
    assert s.shape == (2, 3, 2) and s.n_points == int(np.prod(s.shape))
    got = [(p["seed"], p["network.alpha"]) for p in s.params]
    assert got == [(x, y) for x, y, _ in itertools.product(a, b, c)]
    # point i sits at np.unravel_index(i, shape) of the axes' values
    for i, p in enumerate(s.params):
        j, k, _ = np.unravel_index(i, s.shape)
        assert p["seed"] == a[j] and p["network.alpha"] == b[k]


def test_single_axis_and_no_axes():
    s = loads_sweep(spec(axis("seed", "values = [3, 4, 5]")))
    assert s.shape == (3,) and s.params == [{"seed": 3}, {"seed": 4}, {"seed": 5}]
    one = loads_sweep(INLINE)  # no axes: the base config is the only point
    assert one.n_points == 1 and one.params == [{}] and one.shape == () and one.dims == []
    assert one.describe(0) == ""
    assert one.point_data(0) == one.base
    assert one.point_config(0).repeats == 20
    assert "a single point" in repr(one)


# -- zip and groups --------------------------------------------------------------------

def test_zip_combines_all_axes_into_one_point_dimension():
    s = loads_sweep(spec(axis("network.alpha", "values = [1.0, 2.0, 3.0]")
                         + axis("seed", "values = [4, 5, 6]"), 'combine = "zip"\n'))
    assert s.combine == "zip"
    assert s.n_points == 3 and s.shape == (3,)
    assert s.dims == [("point", ["network.alpha", "seed"])]
    assert s.params == [{"network.alpha": 1.0, "seed": 4}, {"network.alpha": 2.0, "seed": 5},
                        {"network.alpha": 3.0, "seed": 6}]
    assert all(a.group == "point" for a in s.axes)


def test_zip_ignores_user_groups():
    s = loads_sweep(spec(axis("network.alpha", "values = [1.0, 2.0]", group="g")
                         + axis("seed", "values = [4, 5]"), 'combine = "zip"\n'))
    assert s.dims == [("point", ["network.alpha", "seed"])] and s.n_points == 2


def test_groups_zip_within_and_product_across():
    s = loads_sweep(spec(axis("network.widths", "values = [[1, 8, 1], [1, 8, 8, 1]]", "depth")
                         + axis("repeats", "values = [10, 20]", "depth")
                         + axis("network.alpha", "values = [1.0, 2.0, 3.0]")))
    assert s.shape == (2, 3) and s.n_points == 6
    assert s.dims == [("depth", ["network.widths", "repeats"]),
                      ("network.alpha", ["network.alpha"])]
    assert [(p["repeats"], p["network.alpha"]) for p in s.params] == \
        list(itertools.product([10, 20], [1.0, 2.0, 3.0]))
    # the zipped axes move together
    assert all((p["network.widths"] == [1, 8, 1]) == (p["repeats"] == 10) for p in s.params)


def test_group_dimensions_in_order_of_first_appearance():
    s = loads_sweep(spec(axis("seed", "values = [1, 2]", "g")
                         + axis("network.alpha", "values = [1.0, 2.0, 3.0]")
                         + axis("repeats", "values = [5, 6]", "g")), validate=False)
    assert s.dims == [("g", ["seed", "repeats"]), ("network.alpha", ["network.alpha"])]
    assert s.shape == (2, 3)
    assert [(p["seed"], p["repeats"], p["network.alpha"]) for p in s.params] == \
        [(sd, rp, al) for (sd, rp), al in itertools.product([(1, 5), (2, 6)], [1.0, 2.0, 3.0])]
    # params list keys dimension by dimension
    assert list(s.params[0]) == ["seed", "repeats", "network.alpha"]


def test_two_groups_product():
    s = loads_sweep(spec(axis("seed", "values = [1, 2]", "a") + axis("repeats", "values = [3, 4]", "a")
                         + axis("network.alpha", "values = [1.0, 2.0, 3.0]", "b")
                         + axis("noise.additive", "values = [0.0, 1e-4, 1e-3]", "b")))
    assert s.shape == (2, 3) and s.n_points == 6
    assert [(p["seed"], p["noise.additive"]) for p in s.params] == \
        list(itertools.product([1, 2], [0.0, 1e-4, 1e-3]))
    assert all(p["repeats"] == p["seed"] + 2 for p in s.params)
    assert all(p["noise.additive"] == [0.0, 1e-4, 1e-3][[1.0, 2.0, 3.0].index(p["network.alpha"])]
               for p in s.params)


def test_unequal_zip_lengths_name_the_lengths():
    msg = raises_one_line(ValueError, r'axes zipped by combine = "zip" must have equal lengths',
                          loads_sweep, spec(axis("network.alpha", "values = [1.0, 2.0, 3.0]")
                                            + axis("seed", "values = [4, 5]"), 'combine = "zip"\n'))
    assert msg.endswith("got network.alpha: 3, seed: 2")


def test_unequal_group_lengths_name_group_and_lengths():
    msg = raises_one_line(ValueError, r"axes zipped by group 'g' must have equal lengths",
                          loads_sweep, spec(axis("network.alpha", "values = [1.0, 2.0, 3.0]", "g")
                                            + axis("seed", "values = [4, 5]", "g")))
    assert "network.alpha: 3" in msg and "seed: 2" in msg
    # the same lengths in separate dimensions are fine
    assert loads_sweep(spec(axis("network.alpha", "values = [1.0, 2.0, 3.0]")
                            + axis("seed", "values = [4, 5]"))).shape == (3, 2)


def test_reserved_and_clashing_group_names():
    for name in ("layer", "point", "run", "done"):
        raises_one_line(ValueError, rf'group = "{name}" .* reserved name', loads_sweep,
                        spec(axis("seed", "values = [1]", name)))
    raises_one_line(ValueError, r'group = "" in \[\[axes\]\] #1 \(seed\) must be a name',
                    loads_sweep, spec(axis("seed", 'values = [1]\ngroup = ""')))
    raises_one_line(ValueError, r"group = 3 .* must be a name", loads_sweep,
                    spec(axis("seed", "values = [1]\ngroup = 3")))
    raises_one_line(ValueError, r"group 'seed' of 'repeats' is also a swept key", loads_sweep,
                    spec(axis("seed", "values = [1, 2]", "other")
                         + axis("repeats", "values = [3, 4]", "seed")))
    # joining the dimension a key names is fine: repeats is zipped with seed
    s = loads_sweep(spec(axis("seed", "values = [1, 2]") + axis("repeats", "values = [3, 4]", "seed")))
    assert s.dims == [("seed", ["seed", "repeats"])] and s.n_points == 2


def test_bad_combine():
    raises_one_line(ValueError, r'combine = "cross" must be "product" or "zip"', loads_sweep,
                    spec(axis("seed", "values = [1]"), 'combine = "cross"\n'))


# -- linspace / logspace / values ------------------------------------------------------

def test_linspace_matches_numpy_and_logspace_gives_powers_of_ten():
    s = loads_sweep(spec(axis("network.alpha", "linspace = [1.0, 5.0, 9]")
                         + axis("noise.additive", "logspace = [-6, -2, 5]")))
    alphas, intensities = (a.values for a in s.axes)
    assert alphas == np.linspace(1.0, 5.0, 9).tolist()
    assert intensities == [1e-6, 1e-5, 1e-4, 1e-3, 1e-2]  # exact, unlike np.logspace on some CPUs
    assert all(type(v) is float for v in alphas + intensities)  # JSON-able, not numpy scalars
    assert s.shape == (9, 5)
    assert s.params[-1] == {"network.alpha": 5.0, "noise.additive": pytest.approx(1e-2)}


@pytest.mark.parametrize("form,start,stop,n", [
    ("linspace = [0, 1, 1]", 0, 1, 1),
    ("linspace = [2, -2, 4]", 2, -2, 4),
    ("linspace = [0.5, 0.5, 3]", 0.5, 0.5, 3),
    ("linspace = [0, 1e-3, 5]", 0, 1e-3, 5),
])
def test_linspace_forms(form, start, stop, n):
    s = loads_sweep(spec(axis("network.alpha", form)), validate=False)
    assert s.axes[0].values == np.linspace(start, stop, n).tolist()
    assert s.n_points == n


@pytest.mark.parametrize("form,start,stop,n", [
    ("logspace = [-6, -3, 4]", -6, -3, 4),
    ("logspace = [0, 2, 3]", 0, 2, 3),
    ("logspace = [-1.5, 0.5, 1]", -1.5, 0.5, 1),
])
def test_logspace_forms(form, start, stop, n):
    s = loads_sweep(spec(axis("noise.additive", form)), validate=False)
    assert s.axes[0].values == [10.0 ** e for e in np.linspace(start, stop, n)]
    np.testing.assert_allclose(s.axes[0].values, np.logspace(start, stop, n), rtol=1e-15)


def test_values_may_be_numbers_strings_lists_and_tables():
    s = loads_sweep(spec(axis("network.widths", "values = [[1, 4, 1], [1, 4, 4, 1]]")
                         + axis("network.activation", 'values = ["shifted_sigmoid"]')
                         + axis("noise", "values = [{ additive = 1e-4 }, { multiplicative = 1e-3 }]")))
    assert s.shape == (2, 1, 2)
    assert s.params[1] == {"network.widths": [1, 4, 1], "network.activation": "shifted_sigmoid",
                           "noise": {"multiplicative": 1e-3}}
    assert s.describe(1) == ('network.widths = [1, 4, 1], network.activation = "shifted_sigmoid", '
                             "noise = {multiplicative = 0.001}")
    assert s.point_config(1).noise == Noise(multiplicative=1e-3)


_EG_LIN = r"e\.g\. linspace = \[0\.0, 1e-3, 5\]"
_EG_LOG = r"e\.g\. logspace = \[-6, -3, 4\]"
_AX = r"in \[\[axes\]\] #1 \(network\.alpha\)"


@pytest.mark.parametrize("body,match", [
    ("linspace = [1.0, 2.0]", rf"^linspace = \[1\.0, 2\.0\] {_AX} must be \[start, stop, count\], {_EG_LIN}"),
    ("linspace = [1.0, 2.0, 3, 4]", rf"^linspace = \[1\.0, 2\.0, 3, 4\] {_AX} must be \[start, stop, count\], {_EG_LIN}"),
    ('linspace = "0..1"', rf'^linspace = "0\.\.1" {_AX} must be \[start, stop, count\], {_EG_LIN}'),
    ("linspace = 3", rf"^linspace = 3 {_AX} must be \[start, stop, count\], {_EG_LIN}"),
    ('linspace = ["a", 2, 3]', rf'^linspace = \["a", 2, 3\] {_AX} must be \[start, stop, count\], {_EG_LIN}'),
    ("linspace = [true, 2, 3]", rf"^linspace = \[true, 2, 3\] {_AX} must be \[start, stop, count\], {_EG_LIN}"),
    ("linspace = [1, false, 3]", rf"^linspace = \[1, false, 3\] {_AX} must be \[start, stop, count\], {_EG_LIN}"),
    ("logspace = [1.0, 2.0]", rf"^logspace = \[1\.0, 2\.0\] {_AX} must be \[start, stop, count\], {_EG_LOG}"),
    ('logspace = ["a", 2, 3]', rf'^logspace = \["a", 2, 3\] {_AX} must be \[start, stop, count\], {_EG_LOG}'),
    ("logspace = [true, 2, 3]", rf"^logspace = \[true, 2, 3\] {_AX} must be \[start, stop, count\], {_EG_LOG}"),
    ("linspace = [1.0, 2.0, 0]", rf"^linspace count 0 {_AX} must be an integer ≥ 1"),
    ("linspace = [1.0, 2.0, -3]", rf"^linspace count -3 {_AX} must be an integer ≥ 1"),
    ("linspace = [1.0, 2.0, 2.5]", rf"^linspace count 2\.5 {_AX} must be an integer ≥ 1"),
    ('linspace = [1.0, 2.0, "3"]', rf'^linspace count "3" {_AX} must be an integer ≥ 1'),
    ("logspace = [1.0, 2.0, true]", rf"^logspace count true {_AX} must be an integer ≥ 1"),
    ("logspace = [-1, 2, 0]", rf"^logspace count 0 {_AX} must be an integer ≥ 1"),
    ("linspace = [1.0, inf, 3]", rf"^linspace = \[1\.0, inf, 3\] {_AX} must have finite start and stop"),
    ("logspace = [nan, 1, 3]", rf"^logspace = \[nan, 1, 3\] {_AX} must have finite start and stop"),
    ("values = []", rf"^values = \[\] {_AX} must be a non-empty list, e\.g\. values = \[1\.0, 2\.0, 4\.0\]"),
    ("values = 1.0", rf"^values = 1\.0 {_AX} must be a non-empty list, e\.g\. values = "),
])
def test_bad_axis_value_forms(body, match):
    raises_one_line(ValueError, match, loads_sweep, spec(axis("network.alpha", body)))


@pytest.mark.parametrize("body,given", [
    ("values = [1.0]\nlinspace = [1.0, 2.0, 3]", "values, linspace"),
    ("values = [1.0]\nlogspace = [1.0, 2.0, 3]", "values, logspace"),
    ("linspace = [1.0, 2.0, 3]\nlogspace = [1.0, 2.0, 3]", "linspace, logspace"),
    ("values = [1.0]\nlinspace = [1.0, 2.0, 3]\nlogspace = [1, 2, 3]", "values, linspace, logspace"),
    ('group = "g"', "none"),
    ("", "none"),
])
def test_exactly_one_of_values_linspace_logspace(body, given):
    msg = raises_one_line(ValueError, r"^\[\[axes\]\] #1 \(network\.alpha\) needs exactly one of "
                                      rf"values, linspace or logspace, got {given};",
                          loads_sweep, spec(axis("network.alpha", body)))
    assert "e.g. values = [1.0, 2.0]" in msg


def test_axis_errors_name_the_right_axis():
    msg = raises_one_line(ValueError, r"\[\[axes\]\] #2 \(network\.alpha\)", loads_sweep,
                          spec(axis("seed", "values = [1]") + axis("network.alpha", "linspace = [1, 2]")))
    assert "#1" not in msg


def test_unknown_axis_key_suggests():
    raises_one_line(ValueError, r"unknown key 'value' in \[\[axes\]\] #1; did you mean 'values'\?",
                    loads_sweep, spec(axis("seed", "value = [1]")))
    raises_one_line(ValueError, r"unknown key 'grup' in \[\[axes\]\] #1; did you mean 'group'\?",
                    loads_sweep, spec(axis("seed", 'values = [1]\ngrup = "g"')))


def test_axes_must_be_array_of_tables():
    raises_one_line(ValueError, r"axes must be an array of tables", loads_sweep,
                    INLINE + '[axes]\nkey = "seed"\nvalues = [1]\n')
    raises_one_line(ValueError, r"axes must be an array of tables", parse_sweep,
                    {"base": {"repeats": 3}, "axes": [1, 2]})


# -- config file, [base] ---------------------------------------------------------------

def test_config_file_relative_to_sweep_file_and_deep_merge(tmp_path):
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "base.toml").write_text(BASE)
    sweep_file = tmp_path / "s.toml"
    sweep_file.write_text("""
config = "cfg/base.toml"
[base]
repeats = 7
network = { alpha = 2.5 }
noise = { multiplicative = 1e-3 }
[[axes]]
key = "noise.additive"
values = [1e-5, 2e-5]
""")
    s = load_sweep(sweep_file)
    assert s.path == str(sweep_file)
    assert s.base_dir == str(tmp_path / "cfg")
    assert s.base["repeats"] == 7 and s.base["seed"] == 1
    # tables merge key by key: the file's entries stay beside the new and overridden ones
    assert s.base["network"] == {"kind": "symmetric", "widths": [1, 8, 8, 1], "alpha": 2.5}
    assert s.base["noise"] == {"additive": 1e-4, "multiplicative": 1e-3}
    assert s.base["inputs"]["count"] == 5
    cfg = s.point_config(1)
    assert isinstance(cfg, RunConfig)
    assert cfg.repeats == 7 and cfg.seed == 1
    assert cfg.network.packed["act_param"][1] == 2.5
    assert cfg.noise == Noise(additive=2e-5, multiplicative=1e-3)


def test_base_lists_replace_rather_than_merge(tmp_path):
    (tmp_path / "base.toml").write_text(BASE)
    s = loads_sweep('config = "base.toml"\n[base]\nnetwork = { widths = [1, 3, 1] }\n',
                    base_dir=str(tmp_path))
    assert s.base["network"]["widths"] == [1, 3, 1]
    assert tuple(s.point_config(0).network.widths) == (1, 3, 1)


def test_config_relative_to_base_dir_argument_and_absolute(tmp_path, monkeypatch):
    (tmp_path / "base.toml").write_text(BASE)
    s = loads_sweep('config = "base.toml"\n' + axis("seed", "values = [2]"), base_dir=str(tmp_path))
    assert s.base["repeats"] == 20 and s.base_dir == str(tmp_path)
    # absolute config paths are used as they are
    other = tmp_path / "elsewhere"
    other.mkdir()
    s = loads_sweep(f'config = "{(tmp_path / "base.toml").as_posix()}"\n', base_dir=str(other))
    assert s.base_dir == str(tmp_path)
    # without base_dir: the current directory
    monkeypatch.chdir(tmp_path)
    s = loads_sweep('config = "base.toml"\n')
    assert s.base_dir == str(tmp_path) and s.base["network"]["alpha"] == 4.0


def test_relative_paths_in_configs_start_at_config_folder(tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    np.save(cfg / "x.npy", np.linspace(0.0, 1.0, 4)[:, None])
    (cfg / "base.toml").write_text(BASE.split("[inputs]")[0] + '[inputs]\nkind = "npy"\npath = "x.npy"\n')
    f = tmp_path / "s.toml"
    f.write_text('config = "cfg/base.toml"\n' + axis("seed", "values = [1, 2]"))
    c = load_sweep(f).point_config(1)
    assert c.inputs.shape == (4, 1) and c.seed == 2
    # with only a [base] table, relative paths start at the sweep file's folder
    np.save(tmp_path / "y.npy", np.zeros((3, 1)))
    g = tmp_path / "only_base.toml"
    g.write_text(NO_NOISE.replace('inputs = { kind = "linspace", start = 0.0, stop = 1.0, count = 5 }',
                                  'inputs = { kind = "npy", path = "y.npy" }'))
    s = load_sweep(g)
    assert s.base_dir == str(tmp_path) and s.point_config(0).inputs.shape == (3, 1)


def test_base_only_spec(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(spec(axis("seed", "values = [5, 6]")))
    s = load_sweep(f)
    assert s.base_dir == str(tmp_path)
    assert s.base == {"repeats": 20,
                      "network": {"kind": "symmetric", "widths": [1, 8, 8, 1], "alpha": 4.0},
                      "noise": {"additive": 1e-4},
                      "inputs": {"kind": "linspace", "start": 0.0, "stop": 1.0, "count": 5}}
    assert [s.point_config(i).seed for i in range(2)] == [5, 6]


def test_config_only_spec(tmp_path):
    (tmp_path / "base.toml").write_text(BASE)
    s = loads_sweep('config = "base.toml"\n' + axis("network.alpha", "values = [1.0]"),
                    base_dir=str(tmp_path))
    assert s.base["noise"] == {"additive": 1e-4} and s.point_config(0).repeats == 20


def test_missing_base_is_an_error():
    for text in (axis("seed", "values = [1]"), "", "[base]\n"):
        raises_one_line(ValueError, r"a sweep needs a base run config: config = \"run\.toml\" "
                                    r"and/or a \[base\] table", loads_sweep, text)


def test_missing_config_file_names_the_path(tmp_path):
    missing = os.path.join(str(tmp_path), "nope.toml")
    raises_one_line(FileNotFoundError, r"^" + re.escape(missing)
                    + r": no such run config file", loads_sweep, 'config = "nope.toml"\n',
                    str(tmp_path))
    f = tmp_path / "s.toml"
    f.write_text('config = "nope.toml"\n')
    raises_one_line(FileNotFoundError, r"^" + re.escape(str(f)) + r": "
                    + re.escape(missing) + r": no such run config file",
                    load_sweep, f)


@pytest.mark.parametrize("value,shown", [('""', '""'), ("3", "3"), ("[\"a.toml\"]", r'\["a\.toml"\]')])
def test_bad_config_value(value, shown):
    raises_one_line(ValueError, rf"^config = {shown} must be the path of a TOML run config, "
                                r'e\.g\. config = "fig3\.toml"', loads_sweep, f"config = {value}\n")


def test_bad_base_table():
    raises_one_line(ValueError, r"^base must be a table of run-config fields", loads_sweep,
                    "base = 3\n")
    raises_one_line(ValueError, r"unknown key 'repeat' in \[base\]; did you mean 'repeats'", loads_sweep,
                    INLINE + "repeat = 3\n")
    # in TOML a key after [base] belongs to [base]: say so
    for key, value in (("combine", '"zip"'), ("config", '"a.toml"')):
        raises_one_line(ValueError, rf"'{key}' is a top-level sweep key but sits in \[base\]",
                        loads_sweep, INLINE + f"{key} = {value}\n")


def test_parse_sweep_does_not_mutate_its_input_and_base_is_unchanged_by_points():
    data = {"base": {"repeats": 20, "network": {"kind": "symmetric", "widths": [1, 8, 1], "alpha": 4.0},
                     "inputs": {"kind": "linspace", "count": 3}},
            "axes": [{"key": "network.widths.1", "values": [2, 3]},
                     {"key": "network.alpha", "values": [1.0]}]}
    orig = copy.deepcopy(data)
    s = parse_sweep(data)
    assert data == orig
    assert s.point_data(1)["network"]["widths"] == [1, 3, 1]
    assert s.point_data(1)["network"]["alpha"] == 1.0
    assert s.base["network"] == {"kind": "symmetric", "widths": [1, 8, 1], "alpha": 4.0}
    s.point_data(0)["network"]["widths"].append(99)  # a copy every time
    assert s.point_data(0)["network"]["widths"] == [1, 2, 1]
    # axis values are copies too: changing the input afterwards changes nothing
    data["axes"][0]["values"].append(7)
    assert s.axes[0].values == [2, 3]


def test_parse_sweep_requires_a_dict():
    raises_one_line(TypeError, r"a sweep spec must be a dict \(parsed TOML\), got list", parse_sweep,
                    ["not", "a", "dict"])


# -- keys --------------------------------------------------------------------------------

def test_list_index_keys_into_noise_layers():
    s = loads_sweep(LAYERED + axis("noise.layers.1.additive", "values = [1e-5, 1e-3]")
                    + axis("noise.layers.3.multiplicative", "values = [0.0, 2e-3]"))
    assert s.shape == (2, 2)
    data = s.point_data(3)
    assert data["noise"]["layers"] == [{}, {"additive": 1e-3}, {}, {"multiplicative": 2e-3}]
    cfg = s.point_config(3)
    assert isinstance(cfg.noise, list) and len(cfg.noise) == 4
    assert cfg.noise[1] == Noise(additive=1e-3)
    assert cfg.noise[3] == Noise(multiplicative=2e-3)
    assert cfg.noise[0] == Noise() and cfg.noise[2] == Noise()
    assert s.point_config(0).noise[1].additive == 1e-5
    assert s.base["noise"]["layers"][1] == {"additive": 1e-4}  # the base is untouched


def test_list_index_into_widths_and_whole_list_values():
    s = loads_sweep(spec(axis("network.widths.1", "values = [3, 5]")))
    assert [tuple(s.point_config(i).network.widths) for i in range(2)] == [(1, 3, 8, 1), (1, 5, 8, 1)]
    s = loads_sweep(spec(axis("network.widths", "values = [[1, 8, 8, 1], [1, 4, 4, 4, 1]]")))
    assert [tuple(s.point_config(i).network.widths) for i in range(2)] == [(1, 8, 8, 1), (1, 4, 4, 4, 1)]
    assert s.describe(1) == "network.widths = [1, 4, 4, 4, 1]"


def test_index_key_with_leading_zero_is_an_index():
    s = loads_sweep(spec(axis("network.widths.01", "values = [6]")))
    assert s.point_data(0)["network"]["widths"] == [1, 6, 8, 1]


def test_sweeping_a_key_creates_missing_tables():
    s = loads_sweep(NO_NOISE + axis("noise.additive", "values = [1e-3, 2e-3]"))
    assert "noise" not in s.base
    assert s.point_data(0)["noise"] == {"additive": 1e-3}
    assert s.point_config(1).noise == Noise(additive=2e-3)
    s = loads_sweep(spec(axis("output.block", "values = [4, 8]")))
    assert s.point_data(1)["output"] == {"block": 8}
    assert [s.point_config(i).block for i in range(2)] == [4, 8]


def test_top_level_scalar_keys():
    s = loads_sweep(spec(axis("repeats", "values = [2, 3]") + axis("seed", "values = [0, 9]")))
    assert [(c.repeats, c.seed) for c in map(s.point_config, range(4))] == \
        list(itertools.product([2, 3], [0, 9]))


@pytest.mark.parametrize("key", [
    "network..alpha", "1network", "network.alpha.", ".network", "network alpha", "network.-1",
    "network.alpha!", "", "noise.layers.-1.additive",
])
def test_invalid_key_syntax(key):
    raises_one_line(ValueError, rf'^key = "{re.escape(key)}" in \[\[axes\]\] #1 must be '
                                r'a dotted config path, e\.g\. key = "noise\.additive"',
                    loads_sweep, spec(axis(key, "values = [1]")))


def test_key_missing_or_not_a_string():
    raises_one_line(ValueError, r"^key = None in \[\[axes\]\] #1 must be a dotted config path",
                    loads_sweep, spec("[[axes]]\nvalues = [1]\n"))
    raises_one_line(ValueError, r"^key = 3 in \[\[axes\]\] #1 must be a dotted config path",
                    loads_sweep, spec("[[axes]]\nkey = 3\nvalues = [1]\n"))


@pytest.mark.parametrize("key", ["networks.alpha", "axes", "alpha", "base.repeats", "samples"])
def test_unknown_top_level_key_of_axis(key):
    raises_one_line(ValueError, rf'^key = "{key}" in \[\[axes\]\] #1 must start with one of '
                                r"repeats, seed, network, noise, inputs, output, mitigation, time$",
                    loads_sweep, spec(axis(key, "values = [1]")))


def test_duplicate_key():
    raises_one_line(ValueError, r"key 'seed' is swept twice; give every key one \[\[axes\]\] table",
                    loads_sweep, spec(axis("seed", "values = [1]") + axis("seed", "values = [2]")))
    raises_one_line(ValueError, r"key 'network\.alpha' is swept twice", loads_sweep,
                    spec(axis("network.alpha", "values = [1.0]", "g")
                         + axis("network.alpha", "linspace = [1, 2, 2]")))


@pytest.mark.parametrize("text,match", [
    (spec(axis("network.widths.9", "values = [3]")),
     r"^sweep key 'network\.widths\.9': element 9 does not exist in the base config$"),
    (spec(axis("network.widths.4", "values = [3]")),
     r"^sweep key 'network\.widths\.4': element 4 does not exist in the base config$"),
    (LAYERED + axis("noise.layers.4.additive", "values = [1e-4]"),
     r"^sweep key 'noise\.layers\.4\.additive': noise\.layers\.4 does not exist in the base "
     r"config \(list index out of range\)$"),
    (spec(axis("noise.layers.0.additive", "values = [1e-4]")),  # noise has no layers list
     r"^sweep key 'noise\.layers\.0\.additive': noise\.layers\.0 does not exist in the base config"),
    (NO_NOISE + axis("noise.layers.0.additive", "values = [1e-4]"),  # a created list is empty
     r"^sweep key 'noise\.layers\.0\.additive': noise\.layers\.0 does not exist"),
    (spec(axis("repeats.1", "values = [3]")),
     r"^sweep key 'repeats\.1': element 1 does not exist in the base config$"),
    (spec(axis("network.widths.x", "values = [3]")),
     r"^sweep key 'network\.widths\.x': its parent is not a table in the base config$"),
    (spec(axis("network.widths.1.x", "values = [3]")),
     r"^sweep key 'network\.widths\.1\.x': its parent is not a table"),
    (spec(axis("repeats.x.y", "values = [3]")),  # repeats = 20 is no table
     r"^sweep key 'repeats\.x\.y': repeats(\.x)? is not a table in the base config$"),
])
def test_keys_that_lead_nowhere(text, match):
    raises_one_line(ValueError, match, loads_sweep, text)
    raises_one_line(ValueError, match, loads_sweep, text, validate=False)  # checked even so


# -- per-point validation --------------------------------------------------------------

def test_bad_point_names_point_and_params():
    text = spec(axis("repeats", "values = [10, 1]"))
    raises_one_line(ValueError, r"^sweep point 1 \(repeats = 1\): repeats = 1 in \[top level\] "
                                r"must be ≥ 2 \(a variance needs K ≥ 2", loads_sweep, text)
    s = loads_sweep(text, validate=False)  # deferred to the point itself
    assert s.n_points == 2 and s.params[1] == {"repeats": 1}
    assert s.point_data(1)["repeats"] == 1  # the raw data is still available
    assert s.point_config(0).repeats == 10
    raises_one_line(ValueError, r"^sweep point 1 \(repeats = 1\): repeats = 1", s.point_config, 1)


def test_bad_point_in_product_names_all_its_params():
    text = spec(axis("network.alpha", "values = [1.0, 2.0]")
                + axis("noise.additive", "values = [1e-4, -1.0]"))
    raises_one_line(ValueError, r"^sweep point 1 \(network\.alpha = 1\.0, noise\.additive = -1\.0\): "
                                r"\[noise\]: additive intensity must be .*≥ 0", loads_sweep, text)
    s = loads_sweep(text, validate=False)
    assert s.point_config(2).noise.additive == 1e-4
    raises_one_line(ValueError, r"^sweep point 3 \(network\.alpha = 2\.0, noise\.additive = -1\.0\)",
                    s.point_config, 3)


@pytest.mark.parametrize("axis_text,match", [
    (axis("seed", "values = [-1]"), r"^sweep point 0 \(seed = -1\): seed = -1 in \[top level\] must be in"),
    (axis("network.widths", "values = [[1]]"), r"^sweep point 0 \(network\.widths = \[1\]\): widths = \[1\]"),
    (axis("network.alpha", 'values = ["big"]'), r'^sweep point 0 \(network\.alpha = "big"\): alpha = "big"'
                                                r" in \[network\] must be a number"),
    (axis("inputs.kind", 'values = ["linspace", "lnspace"]'),
     r'^sweep point 1 \(inputs\.kind = "lnspace"\): kind = "lnspace" in \[inputs\] is not a known '
     r'kind; did you mean "linspace"\?'),
    (axis("noise.additive", "values = [true]"), r"^sweep point 0 \(noise\.additive = true\)"),
    (axis("seed.x", "values = [1]"), r"^sweep point 0 \(seed\.x = 1\): seed = \{x = 1\}"),
])
def test_point_errors(axis_text, match):
    raises_one_line(ValueError, match, loads_sweep, spec(axis_text))
    s = loads_sweep(spec(axis_text), validate=False)
    raises_one_line(ValueError, match, s.point_config, s.n_points - 1)


def test_noise_key_clash_with_layers_is_a_point_error():
    raises_one_line(ValueError, r"^sweep point 0 \(noise\.additive = 0\.0001\): \[noise\] has both "
                                r"additive and \[\[noise\.layers\]\]", loads_sweep,
                    LAYERED + axis("noise.additive", "values = [1e-4]"))


def test_negative_alpha_is_accepted_by_the_run_config():
    # The run config does not refuse a negative (or zero) shifted-sigmoid slope, so a sweep
    # over one validates; the slope reaches the network as given.
    s = loads_sweep(spec(axis("network.alpha", "values = [-1.0, 0.0]")))
    assert [s.point_config(i).network.packed["act_param"][1] for i in range(2)] == [-1.0, 0.0]


def test_validation_stops_at_the_first_bad_point():
    raises_one_line(ValueError, r"^sweep point 1 \(repeats = 0\)", loads_sweep,
                    spec(axis("repeats", "values = [5, 0, 1]")))


def test_missing_file_in_a_point_is_file_not_found(tmp_path):
    text = spec(axis("inputs", 'values = [{ kind = "npy", path = "missing.npy" }]'))
    raises_one_line(FileNotFoundError, r"^sweep point 0 \(inputs = \{kind = \"npy\", path = "
                                       r"\"missing\.npy\"\}\): path = \"missing\.npy\"", loads_sweep,
                    text, str(tmp_path))


# -- point_config ----------------------------------------------------------------------

def test_point_config_reflects_values():
    s = loads_sweep(spec(axis("network.alpha", "values = [1.5, 3.0]")
                         + axis("noise.additive", "values = [1e-5, 2e-3]")))
    cfgs = [s.point_config(i) for i in range(s.n_points)]
    assert all(isinstance(c, RunConfig) for c in cfgs)
    for c, p in zip(cfgs, s.params):
        acts = c.network.activations
        assert [a.name for a in acts] == ["linear", "shifted_sigmoid", "shifted_sigmoid", "linear"]
        assert acts[1].param == acts[2].param == p["network.alpha"]
        assert c.network.packed["act_param"][1] == p["network.alpha"]
        assert c.noise == Noise(additive=p["noise.additive"])
        assert c.spec["network"]["alpha"] == p["network.alpha"]
        assert c.repeats == 20 and c.inputs.shape == (5, 1)
    assert cfgs[3].network.packed["act_param"][1] == 3.0 and cfgs[3].noise.additive == 2e-3
    assert cfgs[0].noise.additive == 1e-5
    assert s.base["network"]["alpha"] == 4.0  # the base is never modified
    assert s.base["noise"]["additive"] == 1e-4


def test_point_config_inputs_and_activation():
    s = loads_sweep(spec(axis("inputs.count", "values = [3, 7]")
                         + axis("network.activation", 'values = ["tanh"]')).replace(
        "alpha = 4.0", "gain = 2.0"))
    c = s.point_config(1)
    assert c.inputs.shape == (7, 1) and np.allclose(c.inputs[:, 0], np.linspace(0, 1, 7))
    assert c.network.activations[1].name == "tanh" and c.network.activations[1].param == 2.0
    assert s.point_config(0).inputs.shape == (3, 1)


def test_point_data_is_base_plus_params():
    s = loads_sweep(spec(axis("network.alpha", "values = [1.0, 2.0]") + axis("seed", "values = [7]")))
    for i, p in enumerate(s.params):
        d = s.point_data(i)
        assert d["network"]["alpha"] == p["network.alpha"] and d["seed"] == p["seed"]
        expected = copy.deepcopy(s.base)
        expected["network"]["alpha"] = p["network.alpha"]
        expected["seed"] = p["seed"]
        assert d == expected


# -- top level of the sweep file -----------------------------------------------------

@pytest.mark.parametrize("bad,good", [("axis", "axes"), ("combin", "combine"), ("confg", "config"),
                                      ("bases", "base")])
def test_unknown_top_level_key_suggests(bad, good):
    raises_one_line(ValueError, rf"^unknown key '{bad}' in \[top level\]; did you mean '{good}'\?",
                    parse_sweep, {bad: 1, "base": {"repeats": 3}})


def test_axis_instead_of_axes_in_toml():
    raises_one_line(ValueError, r"unknown key 'axis' in \[top level\]; did you mean 'axes'\?",
                    loads_sweep, '[[axis]]\nkey = "seed"\nvalues = [1]\n' + INLINE)


def test_unrelated_top_level_key_lists_valid_keys():
    raises_one_line(ValueError, r"unknown key 'zzz' in \[top level\]; valid keys: config, base, "
                                r"combine, axes", parse_sweep, {"zzz": 1})


# -- load_sweep --------------------------------------------------------------------------

def test_load_sweep_path_and_pathlike(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(spec(axis("seed", "values = [1, 2]")))
    for arg in (f, str(f)):
        s = load_sweep(arg)
        assert s.path == os.path.abspath(str(f)) and s.n_points == 2
        assert repr(s) == f"Sweep(2 points: seed[2], path={str(f)!r})"
        assert s.to_dict()["source"] == str(f)


def test_load_errors_start_with_path(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_bytes(b"\xff\xfe not utf-8")
    raises_one_line(ValueError, r"^" + re.escape(str(f)) + r" is not a UTF-8 text file", load_sweep, f)
    f.write_text("config = \n")
    raises_one_line(ValueError, r"^" + re.escape(str(f)) + r": invalid TOML", load_sweep, f)
    f.write_text(INLINE + axis("seed", "values = [-1]"))
    raises_one_line(ValueError, r"^" + re.escape(str(f)) + r": sweep point 0 \(seed = -1\)", load_sweep, f)
    f.write_text(INLINE + axis("seed", "linspace = [1, 2]"))
    raises_one_line(ValueError, r"^" + re.escape(str(f)) + r": linspace = \[1, 2\] in \[\[axes\]\] #1 "
                                r"\(seed\)", load_sweep, f)
    f.write_text('[[axis]]\nkey = "seed"\nvalues = [1]\n' + INLINE)
    raises_one_line(ValueError, r"^" + re.escape(str(f)) + r": unknown key 'axis' in \[top level\]; "
                                r"did you mean 'axes'\?", load_sweep, f)
    raises_one_line(FileNotFoundError, r"^" + re.escape(str(tmp_path / "missing.toml"))
                    + r": no such sweep spec file", load_sweep, tmp_path / "missing.toml")


def test_load_errors_in_the_base_config_name_both_files(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('config = "base.toml"\n')
    base = tmp_path / "base.toml"
    base.write_text("x = = 1\n")
    raises_one_line(ValueError, r"^" + re.escape(str(f)) + ": " + re.escape(str(base))
                    + r": invalid TOML", load_sweep, f)
    base.write_bytes(b"\xff\xfe")
    raises_one_line(ValueError, r"^" + re.escape(str(f)) + ": " + re.escape(str(base))
                    + r" is not a UTF-8 text file", load_sweep, f)


def test_loads_sweep_invalid_toml():
    raises_one_line(ValueError, r"^invalid TOML: ", loads_sweep, "a = = 1\n")
    raises_one_line(ValueError, r"^invalid TOML: ", loads_sweep, INLINE + "[base]\nseed = 1\n")


def test_validate_false_skips_point_validation_only(tmp_path):
    # structural errors still fail with validate=False
    raises_one_line(ValueError, r"needs exactly one of", loads_sweep,
                    spec(axis("seed", "")), validate=False)
    f = tmp_path / "s.toml"
    f.write_text(INLINE + axis("seed", "values = [-1, 1]"))
    s = load_sweep(f, validate=False)
    assert s.n_points == 2 and s.point_config(1).seed == 1
    raises_one_line(ValueError, r"^sweep point 0 \(seed = -1\)", s.point_config, 0)


# -- to_dict ---------------------------------------------------------------------------

def test_to_dict_records_keys_values_groups_and_dims():
    s = loads_sweep(spec(axis("network.widths", "values = [[1, 8, 1], [1, 8, 8, 1]]", "depth")
                         + axis("repeats", "values = [10, 20]", "depth")
                         + axis("network.alpha", "linspace = [1.0, 2.0, 3]")))
    d = s.to_dict()
    assert d == {
        "combine": "product",
        "axes": [{"key": "network.widths", "values": [[1, 8, 1], [1, 8, 8, 1]], "group": "depth"},
                 {"key": "repeats", "values": [10, 20], "group": "depth"},
                 {"key": "network.alpha", "values": [1.0, 1.5, 2.0], "group": "network.alpha"}],
        "dims": [["depth", ["network.widths", "repeats"]], ["network.alpha", ["network.alpha"]]],
        "source": None,
    }
    assert json.loads(json.dumps(d)) == d  # JSON-able


def test_to_dict_round_trips_through_parse_sweep():
    s = loads_sweep(spec(axis("network.widths", "values = [[1, 8, 1], [1, 8, 8, 1]]", "depth")
                         + axis("repeats", "values = [10, 20]", "depth")
                         + axis("noise.additive", "logspace = [-6, -3, 4]")))
    d = json.loads(json.dumps(s.to_dict()))
    again = parse_sweep({"combine": d["combine"], "base": s.base,
                         "axes": [{"key": a["key"], "values": a["values"], "group": a["group"]}
                                  for a in d["axes"]]})
    assert again.keys == s.keys
    assert [a.values for a in again.axes] == [a.values for a in s.axes]
    assert [a.group for a in again.axes] == [a.group for a in s.axes]
    assert again.dims == s.dims and again.shape == s.shape and again.params == s.params
    assert again.to_dict() == s.to_dict()


def test_to_dict_of_zip_sweep():
    s = loads_sweep(spec(axis("seed", "values = [1, 2]") + axis("repeats", "values = [3, 4]"),
                         'combine = "zip"\n'))
    d = s.to_dict()
    assert d["combine"] == "zip"
    assert [(a["key"], a["values"], a["group"]) for a in d["axes"]] == \
        [("seed", [1, 2], "point"), ("repeats", [3, 4], "point")]
    assert d["dims"] == [["point", ["seed", "repeats"]]]
    # without the (reserved) group names, the zip sweep re-parses to the same points
    again = parse_sweep({"combine": "zip", "base": s.base,
                         "axes": [{"key": a["key"], "values": a["values"]} for a in d["axes"]]})
    assert again.params == s.params and again.to_dict() == d


def test_params_json_is_canonical():
    s = loads_sweep(spec(axis("seed", "values = [1]") + axis("network.alpha", "values = [2.0]")))
    assert params_json(s.params[0]) == '{"network.alpha": 2.0, "seed": 1}'
    assert params_json({"b": 1, "a": [1, 2]}) == params_json({"a": [1, 2], "b": 1})


def test_logspace_values_are_exact_powers_of_ten_on_every_machine(tmp_path):
    """numpy.logspace's vectorised pow gives 9.999999999999999e-06 for 10**-5 on some CPUs;
    a sweep's logspace axis holds the correctly rounded powers everywhere."""
    from fastnoise.sweep.spec import load_sweep

    (tmp_path / "base.toml").write_text('repeats = 4\n[network]\nkind = "symmetric"\nwidths = [1, 3, 1]\n'
                                        '[inputs]\nkind = "linspace"\ncount = 3\n')
    (tmp_path / "s.toml").write_text('config = "base.toml"\n[[axes]]\nkey = "noise.additive"\n'
                                     'logspace = [-8, -1, 8]\n')
    values = [p["noise.additive"] for p in load_sweep(tmp_path / "s.toml").params]
    assert values == [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
