"""The operation model of fastnoise.network (issue 14, item 1): Dense, noise_at, file form.

A Network is an input shape plus a tuple of operations; these tests pin that the
networks built through it are the ones built before (same widths, packed kernel
arrays and digests as commit e766006, whose values are written below), that each
operation infers shapes, validates and round-trips its parameters, and that
``noise_at="input"`` is accepted, stored and refused by the kernels and analytic
code until they support it.
"""

from __future__ import annotations

import hashlib
import json

import h5py
import numpy as np
import pytest

import fastnoise as fn
from fastnoise.io import network_file
from fastnoise.io.errors import StoreError
from fastnoise.network import (NOISE_PLACES, OPERATIONS, Dense, Network, Operation, noise_places,
                               use_file_format)


def _nets():
    return {"sym": fn.symmetric([1, 20, 20, 1]),
            "rd": fn.random_dense([3, 5, 2], seed=3),
            "relu": fn.random_dense([4, 6, 6, 3], "relu", seed=1, output_activation="linear"),
            "only": fn.Network.from_layers([], input_width=3)}


#: digest() and a hash of the packed kernel arrays of _nets(), computed with the
#: network.py of commit e766006 (before the operation model).
OLD = {"sym": ("bbdfad80a31b963f36875a48291f19012613831f175424ea6320240bc32641cc",
               "34ec1cf3f5d0726383bd8caf6ff76bbd"),
       "rd": ("e82a896917df0e2b1e57d1d48031ae5cb9153463d13b0b2aa8a75e9feceb88e8",
              "6bd63a0c05dc4b02b7ce747075589dc6"),
       "relu": ("bcb642e87729086e5521fc828756bd331ec7395c28a506b479b5cc959d110998",
                "59cbe018833c38b7ad60f3a48ba1b15e"),
       "only": ("20c3845566f0067304b76d53809a311f4e6e80215f410b147ea5316fe4055742",
                "a0f4dbb1961e4e4e009e845ae23183a3")}


def _packed_hash(p: dict) -> str:
    """The hash of the packed layout of e766006, rebuilt from today's program
    (the kernels read the same numbers)."""
    from fastnoise.kernels import program as pr

    prog = p["program"]
    b_off = prog[:, pr.B_OFF].copy()
    b_off[0] = 0  # e766006 had 0 for the input layer's (absent) bias, the program has -1
    p = dict(widths=prog[:, pr.WIDTH].copy(), w_off=prog[:, pr.W_OFF].copy(), b_off=b_off,
             w_flat=p["w_flat"], w_flat32=p["w_flat32"], b_flat=p["b_flat"], b_flat32=p["b_flat32"],
             act_code=prog[:, pr.ACT].copy(), act_param=p["act_param"],
             out_off=prog[:, pr.OUT_OFF].copy(), total=p["total"], customs=p["customs"])
    h = hashlib.sha256()
    for key in sorted(p):
        if key in ("customs", "total"):
            h.update(repr(p[key]).encode())
            continue
        h.update(key.encode())
        h.update(str(p[key].dtype).encode())
        h.update(np.ascontiguousarray(p[key]).tobytes())
    return h.hexdigest()[:32]


@pytest.mark.parametrize("name", sorted(OLD))
def test_networks_are_the_ones_built_before_the_operation_model(name):
    net = _nets()[name]
    assert net.digest() == OLD[name][0]
    assert _packed_hash(net.packed) == OLD[name][1]
    assert "noise_at" not in net.to_config()  # configs (and run hashes) unchanged


def test_network_is_an_input_shape_and_dense_operations():
    net = fn.random_dense([3, 5, 2], seed=3)
    assert net.input_shape == (3,) and len(net.ops) == 2
    assert all(isinstance(op, Dense) for op in net.ops)
    assert [op.in_shape for op in net.ops] == [(3,), (5,)]
    assert [op.out_shape for op in net.ops] == [(5,), (2,)]
    assert net.widths == (3, 5, 2) and net.n_layers == 3 and net.input_width == 3
    for n, op in enumerate(net.ops, start=1):
        assert net.weights[n] is op.weights and net.biases[n] is op.bias
        assert net.activations[n] is op.activation
    assert net.weights[0] is None and net.biases[0] is None
    assert net.noise_at == ("output",) * 3
    # rebuilt from its operations: the same network
    again = Network.from_ops((3,), net.ops, net.input_activation)
    assert again.digest() == net.digest()
    assert _packed_hash(again.packed) == _packed_hash(net.packed)


def test_dense_shape_inference_params_and_pack():
    W = np.arange(6.0).reshape(2, 3)
    op = Dense(W, [1.0, -1.0], "relu")
    assert op.in_shape == (3,) and op.out_shape == (2,) and op.out_size == 2
    assert op.kind == "dense" and OPERATIONS["dense"] is Dense and isinstance(op, Operation)
    assert op.noise_at == "output" and op.activation.name == "relu"
    assert not op.weights.flags.writeable and not op.bias.flags.writeable
    W[0, 0] = 99.0  # a copy was taken
    assert op.weights[0, 0] == 0.0
    np.testing.assert_array_equal(Dense(np.ones((2, 3))).bias, np.zeros(2))
    op.validate((3,))
    with pytest.raises(ValueError, match=r"takes inputs of shape \(3,\), but the previous layer has shape \(4,\)"):
        op.validate((4,))
    p = op.pack()
    np.testing.assert_array_equal(p["wt"], op.weights.T.ravel())
    # the kernel routine that reads pack()'s layout exists
    import fastnoise.kernels.ops as ops
    import fastnoise.kernels.program as program

    assert callable(getattr(ops, op.kernel_entry))
    assert op.kernel_code == program.OP_DENSE


def test_dense_params_round_trip():
    op = Dense(np.random.default_rng(0).normal(size=(4, 3)), np.arange(4.0), "tanh", noise_at="input")
    params, attrs = op.params(), op.attrs()
    assert sorted(params) == ["W", "b"]
    attrs = json.loads(json.dumps(attrs))  # JSON-able
    back = Dense.from_params(attrs, params)
    assert back.noise_at == "input" and back.activation == op.activation
    np.testing.assert_array_equal(back.weights, op.weights)
    np.testing.assert_array_equal(back.bias, op.bias)
    with pytest.raises(ValueError, match="Dense parameters b missing"):
        Dense.from_params(attrs, {"W": op.weights})
    with pytest.raises(ValueError, match="not 'dense'"):
        Dense.from_params({**attrs, "kind": "conv2d"}, params)


@pytest.mark.parametrize("args, message", [
    ((np.ones(3),), r"Dense weights must be a 2-D array \(I_out, I_in\), got shape \(3,\)"),
    ((np.ones((2, 3)), np.ones(3)), "Dense bias has 3 entries but the layer has 2 neurons"),
    ((np.array([[1.0, np.nan]]),), r"Dense weights contains nan at index \(0, 1\)"),
    ((np.ones((2, 3)), None, "linear", "before"), "noise_at must be one of 'output', 'input', got 'before'"),
])
def test_dense_validation_messages(args, message):
    with pytest.raises(ValueError, match=message):
        Dense(*args)


def test_dense_refuses_complex():
    with pytest.raises(TypeError, match="Dense weights must be real"):
        Dense(np.ones((2, 2), complex))


def test_from_ops_checks_that_shapes_chain():
    a, b = Dense(np.ones((4, 3))), Dense(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"dense operation takes inputs of shape \(5,\), but the previous "
                                         r"layer has shape \(4,\)"):
        Network.from_ops((3,), [a, b])
    with pytest.raises(TypeError, match=r"ops\[0\] must be a fastnoise layer operation, got ndarray"):
        Network.from_ops((3,), [np.ones((4, 3))])
    with pytest.raises(ValueError, match="input_noise_at must be one of"):
        Network.from_ops((3,), [a], input_noise_at="x")


def test_linear_moments_is_the_affine_map_of_mean_and_covariance():
    rng = np.random.default_rng(1)
    op = Dense(rng.normal(size=(3, 4)), rng.normal(size=3))
    m, A = rng.normal(size=4), rng.normal(size=(4, 4))
    C = A @ A.T
    mean, cov = op.linear_moments(m, C)
    np.testing.assert_allclose(mean, op.weights @ m + op.bias)
    np.testing.assert_allclose(cov, op.weights @ C @ op.weights.T)
    # batched over inputs
    mean2, cov2 = op.linear_moments(np.stack([m, m]), np.stack([C, C]))
    assert mean2.shape == (2, 3) and cov2.shape == (2, 3, 3)
    np.testing.assert_allclose(cov2[1], cov)


# -- noise_at ----------------------------------------------------------------------

def test_noise_at_accepted_by_every_constructor():
    assert fn.symmetric([1, 4, 1], noise_at="input").noise_at == ("input",) * 3
    assert fn.random_dense([2, 3, 1], noise_at=["output", "input", "output"]).noise_at == \
        ("output", "input", "output")
    net = fn.Network.from_layers([np.ones((2, 1))], noise_at=("input", "output"))
    assert net.input_noise_at == "input" and net.ops[0].noise_at == "output"
    assert NOISE_PLACES == ("output", "input")
    assert noise_places("output", 2) == ("output", "output")


@pytest.mark.parametrize("noise_at, message", [
    ("before", "noise_at must be one of 'output', 'input', got 'before'"),
    (["output", "input"], r"noise_at must be 'output', 'input' or a list of one per layer \(3, input "
                          r"layer first\), got 2 entries"),
    (["output", "input", "x"], r"noise_at\[2\] must be one of 'output', 'input', got 'x'"),
    (None, "noise_at must be 'output', 'input' or a list of one per layer"),
])
def test_noise_at_validation(noise_at, message):
    for build in (lambda: fn.symmetric([1, 4, 1], noise_at=noise_at),
                  lambda: fn.random_dense([1, 4, 1], noise_at=noise_at),
                  lambda: fn.Network.from_layers([np.ones((4, 1)), np.ones((1, 4))], noise_at=noise_at)):
        with pytest.raises(ValueError, match=message):
            build()


def test_noise_at_input_is_in_the_config_and_digest():
    out = fn.random_dense([2, 3, 1], seed=0)
    inp = fn.random_dense([2, 3, 1], seed=0, noise_at=["output", "input", "output"])
    assert "noise_at" not in out.to_config()
    assert inp.to_config()["noise_at"] == ["output", "input", "output"]
    assert inp.digest() != out.digest()
    assert "noise_at=['output', 'input', 'output']" in repr(inp)
    # an explicit all-"output" list is the paper's network
    same = fn.random_dense([2, 3, 1], seed=0, noise_at=["output"] * 3)
    assert same.digest() == out.digest()


def test_noise_at_input_runs_and_the_paper_recursions_refuse_it():
    """Simulation and ``moments`` (also through ``auto``) take noise before the
    activation; the methods built on the paper's recursion refuse it in one line."""
    net = fn.random_dense([2, 3, 1], seed=0, noise_at=["output", "input", "output"])
    u, noise = np.ones((2, 2)), fn.Noise(additive=1e-3)
    res = fn.simulate(net, u, noise, repeats=3)
    assert res.config["network"]["noise_at"] == ["output", "input", "output"]
    assert fn.predict(net, u, noise).method == "moments"
    msg = r"of noise_at='input' \(layer 1\) is not implemented yet; use noise_at='output'"
    for method in ("first-order", "gauss", "density"):
        with pytest.raises(ValueError, match=msg):
            fn.predict(net, u, noise, method=method)
    # the noiseless forward pass does not depend on where noise would be applied
    xt, x = fn.forward(net, u)
    assert x[-1].shape == (2, 1)


# -- file form -----------------------------------------------------------------------

def test_network_file_round_trip_keeps_noise_at(tmp_path):
    net = fn.random_dense([3, 4, 2], "tanh", seed=2, noise_at=["input", "output", "input"])
    net.save(tmp_path / "a.h5")
    back = fn.Network.load(tmp_path / "a.h5")
    assert back.noise_at == net.noise_at and back.digest() == net.digest()
    network_file.save(net, tmp_path / "b.h5", group="model")
    back = network_file.load(tmp_path / "b.h5", group="model")
    assert back.digest() == net.digest()
    with h5py.File(tmp_path / "b.h5", "r") as f:
        assert sorted(f["model"]) == ["W1", "W2", "b1", "b2"]
        assert json.loads(f["model"].attrs["config"])["noise_at"] == ["input", "output", "input"]
        assert network_file.read_group(f["model"]).digest() == net.digest()


def test_network_file_of_the_paper_placement_has_no_noise_at(tmp_path):
    net = fn.symmetric([1, 3, 1])
    network_file.save(net, tmp_path / "n.h5")
    with h5py.File(tmp_path / "n.h5", "r") as f:
        assert "noise_at" not in json.loads(f["network"].attrs["config"])


def test_damaged_noise_at_is_a_store_error(tmp_path):
    path = tmp_path / "n.h5"
    fn.symmetric([1, 3, 1]).save(path)
    with h5py.File(path, "a") as f:
        cfg = json.loads(f["network"].attrs["config"])
        cfg["noise_at"] = ["output", "sideways", "output"]
        f["network"].attrs["config"] = json.dumps(cfg)
    with pytest.raises(StoreError, match=r"attribute 'config' of /network is not a network description "
                                         r"\(ValueError: noise_at\[1\] must be one of"):
        fn.Network.load(path)


def test_file_format_hook_is_checked():
    import types

    with pytest.raises(TypeError, match="needs a function load"):
        use_file_format(types.SimpleNamespace(save=print, write_group=print, read_group=print))
    use_file_format(network_file)  # unchanged
