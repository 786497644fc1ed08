"""Sweep specs: axes, combination, base configs, keys and one-line errors (no simulation)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from fastnoise.sweep import load_sweep, loads_sweep, parse_sweep

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

INLINE = """
[base]
repeats = 20
network = { kind = "symmetric", widths = [1, 8, 8, 1], alpha = 4.0 }
noise = { additive = 1e-4 }
inputs = { kind = "linspace", start = 0.0, stop = 1.0, count = 5 }
"""


def spec(axes: str, head: str = "") -> str:
    return head + INLINE + axes


def test_product_order_shape_and_params():
    s = loads_sweep(spec("""
[[axes]]
key = "network.alpha"
values = [1.0, 2.0, 3.0]
[[axes]]
key = "noise.additive"
values = [1e-5, 1e-3]
"""))
    assert s.n_points == 6 and s.shape == (3, 2)
    assert s.dims == [("network.alpha", ["network.alpha"]), ("noise.additive", ["noise.additive"])]
    expected = list(itertools.product([1.0, 2.0, 3.0], [1e-5, 1e-3]))  # last axis fastest
    assert [(p["network.alpha"], p["noise.additive"]) for p in s.params] == expected
    assert s.describe(1) == "network.alpha = 1.0, noise.additive = 0.001"


def test_zip_and_groups():
    s = loads_sweep(spec("""
[[axes]]
key = "network.alpha"
values = [1.0, 2.0, 3.0]
[[axes]]
key = "seed"
values = [4, 5, 6]
""", 'combine = "zip"\n'))
    assert s.n_points == 3 and s.dims == [("point", ["network.alpha", "seed"])]
    assert [p["seed"] for p in s.params] == [4, 5, 6]
    s = loads_sweep(spec("""
[[axes]]
key = "network.widths"
values = [[1, 8, 1], [1, 8, 8, 1]]
group = "depth"
[[axes]]
key = "repeats"
values = [10, 20]
group = "depth"
[[axes]]
key = "network.alpha"
values = [1.0, 2.0, 3.0]
"""))
    assert s.shape == (2, 3) and s.n_points == 6
    assert s.dims[0] == ("depth", ["network.widths", "repeats"])
    assert [(p["repeats"], p["network.alpha"]) for p in s.params[:4]] == \
        [(10, 1.0), (10, 2.0), (10, 3.0), (20, 1.0)]
    assert all((p["network.widths"] == [1, 8, 1]) == (p["repeats"] == 10) for p in s.params)


@pytest.mark.parametrize("head,match", [
    ('combine = "zip"\n', r'axes zipped by combine = "zip" must have equal lengths, got '
                          r"network.alpha: 3, seed: 2"),
    ("", r"axes zipped by group 'g' must have equal lengths"),
])
def test_unequal_zip_lengths(head, match):
    group = "" if head else 'group = "g"'
    with pytest.raises(ValueError, match=match):
        loads_sweep(spec(f"""
[[axes]]
key = "network.alpha"
values = [1.0, 2.0, 3.0]
{group}
[[axes]]
key = "seed"
values = [4, 5]
{group}
""", head))


def test_linspace_and_logspace_match_numpy():
    s = loads_sweep(spec("""
[[axes]]
key = "network.alpha"
linspace = [1.0, 5.0, 9]
[[axes]]
key = "noise.additive"
logspace = [-6, -2, 5]
"""))
    alphas, intensities = (a.values for a in s.axes)
    assert alphas == np.linspace(1.0, 5.0, 9).tolist()
    assert intensities == np.logspace(-6, -2, 5).tolist()


@pytest.mark.parametrize("axis,match", [
    ("linspace = [1.0, 2.0]", r"linspace = \[1\.0, 2\.0\] in \[\[axes\]\] #1 \(network.alpha\) "
                              r"must be \[start, stop, count\], e\.g\. linspace = "),
    ("linspace = [1.0, 2.0, 0]", r"linspace count 0 .* must be an integer ≥ 1"),
    ("linspace = [1.0, 2.0, 2.5]", r"linspace count 2.5 .* must be an integer ≥ 1"),
    ('logspace = ["a", 2, 3]', r"logspace = .* must be \[start, stop, count\], e\.g\. logspace ="),
    ("logspace = [true, 2, 3]", r"must be \[start, stop, count\]"),
    ("values = []", r"values = \[\] in \[\[axes\]\] #1 \(network.alpha\) must be a non-empty list"),
    ("values = [1.0]\nlinspace = [1.0, 2.0, 3]", r"exactly one of values, linspace or logspace, "
                                                  r"got values, linspace"),
    ('group = "g"', r"exactly one of values, linspace or logspace, got none"),
])
def test_bad_axis_values(axis, match):
    with pytest.raises(ValueError, match=match) as info:
        loads_sweep(spec(f'[[axes]]\nkey = "network.alpha"\n{axis}\n'))
    assert "\n" not in str(info.value)


def test_config_file_relative_to_sweep_file_and_base_merge(tmp_path):
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "base.toml").write_text(BASE)
    sweep_file = tmp_path / "s.toml"
    sweep_file.write_text("""
config = "cfg/base.toml"
[base]
repeats = 7
noise = { multiplicative = 1e-3 }
[[axes]]
key = "network.alpha"
values = [1.0, 2.0]
""")
    s = load_sweep(sweep_file)
    assert s.path == str(sweep_file)
    assert s.base_dir == str(tmp_path / "cfg")
    assert s.base["repeats"] == 7 and s.base["seed"] == 1
    # tables merge key by key: the file's additive stays beside the new multiplicative
    assert s.base["noise"] == {"additive": 1e-4, "multiplicative": 1e-3}
    cfg = s.point_config(1)
    assert cfg.repeats == 7 and cfg.network.packed["act_param"][1] == 2.0


def test_missing_base_and_missing_config(tmp_path):
    with pytest.raises(ValueError, match=r"a sweep needs a base run config"):
        loads_sweep('[[axes]]\nkey = "seed"\nvalues = [1]\n')
    f = tmp_path / "s.toml"
    f.write_text('config = "nope.toml"\n')
    with pytest.raises(FileNotFoundError, match=r"^" + str(f) + r": .*nope\.toml: no such run "
                                                                 r"config file"):
        load_sweep(f)
    with pytest.raises(FileNotFoundError, match=r"no such sweep spec file"):
        load_sweep(tmp_path / "missing.toml")


def test_keys_nested_lists_and_created_tables():
    base = INLINE.replace("noise = { additive = 1e-4 }\n", "") + """
[[base.noise.layers]]
[[base.noise.layers]]
additive = 1e-4
[[base.noise.layers]]
[[base.noise.layers]]
"""
    s = loads_sweep(base + """
[[axes]]
key = "noise.layers.1.additive"
values = [1e-5, 1e-3]
[[axes]]
key = "network.widths"
values = [[1, 8, 8, 1], [1, 4, 4, 1]]
""")
    cfg = s.point_config(3)
    assert cfg.noise[1].additive == 1e-3 and cfg.noise[2].additive == 0.0
    assert tuple(cfg.network.widths) == (1, 4, 4, 1)
    # sweeping a key whose table the base lacks creates it
    s = loads_sweep(INLINE.replace("noise = { additive = 1e-4 }\n", "") + """
[[axes]]
key = "noise.multiplicative"
values = [1e-3]
""")
    assert s.point_data(0)["noise"] == {"multiplicative": 1e-3}
    assert s.point_config(0).noise.multiplicative == 1e-3


@pytest.mark.parametrize("key,match", [
    ("network..alpha", r"must be a dotted config path"),
    ("1network", r"must be a dotted config path"),
    ("networks.alpha", r"must start with one of repeats, seed, network"),
    ("noise.layers.3.additive", r"noise.layers does not exist in the base config|"
                                r"list index out of range"),
])
def test_bad_keys(key, match):
    with pytest.raises(ValueError, match=match):
        loads_sweep(spec(f'[[axes]]\nkey = "{key}"\nvalues = [1e-4]\n'))


def test_duplicate_key_and_index_out_of_range():
    with pytest.raises(ValueError, match=r"key 'seed' is swept twice"):
        loads_sweep(spec('[[axes]]\nkey = "seed"\nvalues = [1]\n[[axes]]\nkey = "seed"\n'
                         'values = [2]\n'))
    with pytest.raises(ValueError, match=r"element 9 does not exist in the base config"):
        loads_sweep(spec('[[axes]]\nkey = "network.widths.9"\nvalues = [3]\n'))


def test_reserved_and_clashing_group_names():
    with pytest.raises(ValueError, match=r"group = \"layer\" .* reserved name"):
        loads_sweep(spec('[[axes]]\nkey = "seed"\nvalues = [1]\ngroup = "layer"\n'))
    with pytest.raises(ValueError, match=r"group 'seed' of 'repeats' is also a swept key"):
        loads_sweep(spec('[[axes]]\nkey = "seed"\nvalues = [1, 2]\ngroup = "other"\n[[axes]]\n'
                         'key = "repeats"\nvalues = [3, 4]\ngroup = "seed"\n'))
    # joining the dimension a key names is fine: repeats is zipped with seed
    s = loads_sweep(spec('[[axes]]\nkey = "seed"\nvalues = [1, 2]\n[[axes]]\nkey = "repeats"\n'
                         'values = [3, 4]\ngroup = "seed"\n'))
    assert s.dims == [("seed", ["seed", "repeats"])] and s.n_points == 2


def test_bad_point_names_point_and_params():
    text = spec('[[axes]]\nkey = "repeats"\nvalues = [10, 1]\n')
    with pytest.raises(ValueError, match=r"^sweep point 1 \(repeats = 1\): repeats = 1 .*K ≥ 2"):
        loads_sweep(text)
    s = loads_sweep(text, validate=False)  # deferred to the point itself
    assert s.point_config(0).repeats == 10
    with pytest.raises(ValueError, match=r"^sweep point 1 \(repeats = 1\)"):
        s.point_config(1)


def test_point_config_reflects_values():
    s = loads_sweep(spec("""
[[axes]]
key = "network.alpha"
values = [1.5, 3.0]
[[axes]]
key = "noise.additive"
values = [1e-5, 2e-3]
"""))
    cfg = s.point_config(3)
    assert cfg.network.packed["act_param"][1] == 3.0 and cfg.noise.additive == 2e-3
    assert s.point_config(0).noise.additive == 1e-5
    assert s.base["network"]["alpha"] == 4.0  # the base is never modified


def test_unknown_top_level_key_suggests_and_stray_key_in_base():
    with pytest.raises(ValueError, match=r"unknown key 'axis' in \[top level\]; did you mean 'axes'\?"):
        loads_sweep(INLINE + '[[axis]]\nkey = "seed"\nvalues = [1]\n')
    # in TOML a key after [base] belongs to [base]: say so
    with pytest.raises(ValueError, match=r"'combine' is a top-level sweep key but sits in \[base\]"):
        loads_sweep(INLINE + 'combine = "zip"\n')
    with pytest.raises(ValueError, match=r"unknown key 'repeat' in \[base\]; did you mean 'repeats'"):
        loads_sweep(INLINE + "repeat = 3\n")


def test_load_errors_start_with_path(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml is not a UTF-8 text file"):
        load_sweep(f)
    f.write_text("config = \n")
    with pytest.raises(ValueError, match=r"^" + str(f) + r": invalid TOML"):
        load_sweep(f)
    f.write_text(INLINE + '[[axes]]\nkey = "seed"\nvalues = [-1]\n')
    with pytest.raises(ValueError, match=r"^" + str(f) + r": sweep point 0 \(seed = -1\)"):
        load_sweep(f)
    with pytest.raises(TypeError, match=r"a sweep spec must be a dict"):
        parse_sweep(["not", "a", "dict"])


def test_to_dict_round_trip_and_single_point():
    s = loads_sweep(spec("""
[[axes]]
key = "network.widths"
values = [[1, 8, 1], [1, 8, 8, 1]]
group = "depth"
"""))
    d = s.to_dict()
    assert d["combine"] == "product"
    assert d["axes"] == [{"key": "network.widths", "values": [[1, 8, 1], [1, 8, 8, 1]],
                          "group": "depth"}]
    assert d["dims"] == [["depth", ["network.widths"]]]
    one = loads_sweep(INLINE)  # no axes: the base config is the only point
    assert one.n_points == 1 and one.params == [{}] and one.shape == ()
