"""Plain NumPy twins of the fastnoise kernels (DESIGN.md, Convention 5).

Written from the specifications (Salmon et al. SC'11 for Philox4x32-10, the
paper's Eqs. 1–3, the slot layout documented in ``kernels/propagate.py``), not
from the kernels' code: no numba, no fastnoise kernels, loops or vectorised
NumPy only.  Everything here is deliberately naive so that it can be read and
checked by eye.

Contents
--------
philox4x32_10       Philox4x32-10 on uint64-held 32-bit words (a).
words_to_normals    three 32-bit words -> two standard normals (b).
reference_normals   normals in the kernel's (T, K, Σ 2(I_n+1)) slot layout (c).
reference_normals32 the same for the float32 generator, four per counter (c').
noisy_forward       noisy forward pass driven by a given noise array (d).
noiseless_forward   x̃ and x of every layer without noise (e).
layer_states        x̃ of layer n from the previous layer's outputs: dense (Eq. 1), 2-D
                    convolution, max/mean pooling, flatten, from their definitions (f).
mitigated_forward   the noisy forward pass of a mitigated network, from the plain
                    network and the transform's definition (pool, ghost, intra_layer).
linear_moments      exact mean and covariance of y in a *linear* network.
histogram_counts    the histogram reducer's binning rule.
"""

from __future__ import annotations

import math

import numpy as np

MASK32 = 0xFFFFFFFF

# Philox4x32 round multipliers and Weyl key increments (Salmon et al. 2011,
# Random123 ``PHILOX_M4x32_0/1`` and ``PHILOX_W32_0/1``).
PHILOX_M = (0xD2511F53, 0xCD9E8D57)
PHILOX_W = (0x9E3779B9, 0xBB67AE85)


# --------------------------------------------------------------------------
# (a) Philox4x32-10
# --------------------------------------------------------------------------
def philox4x32_10(counter, key):
    """Philox4x32-10 of 128-bit counters under 64-bit keys.

    Parameters
    ----------
    counter : array_like, (..., 4)
        Counter words (c0, c1, c2, c3), each in [0, 2**32).
    key : array_like, (..., 2)
        Key words (k0, k1), broadcast against ``counter[..., 0]``.

    Returns
    -------
    ndarray of uint64, (..., 4)
        The four output words, each in [0, 2**32).
    """
    ctr = np.asarray(counter, dtype=np.uint64)
    key = np.asarray(key, dtype=np.uint64)
    mask = np.uint64(MASK32)
    s32 = np.uint64(32)
    m0, m1 = np.uint64(PHILOX_M[0]), np.uint64(PHILOX_M[1])
    w0, w1 = np.uint64(PHILOX_W[0]), np.uint64(PHILOX_W[1])
    x = [ctr[..., i] & mask for i in range(4)]
    k0 = key[..., 0] & mask
    k1 = key[..., 1] & mask
    for rnd in range(10):
        if rnd > 0:  # the key schedule: bump before every round but the first
            k0 = (k0 + w0) & mask
            k1 = (k1 + w1) & mask
        # 32x32 -> 64-bit products fit exactly in a uint64
        prod0 = m0 * x[0]
        prod1 = m1 * x[2]
        hi0, lo0 = prod0 >> s32, prod0 & mask
        hi1, lo1 = prod1 >> s32, prod1 & mask
        x = [hi1 ^ x[1] ^ k0, lo1, hi0 ^ x[3] ^ k1, lo0]
    return np.stack(np.broadcast_arrays(*x), axis=-1)


def philox_scalar(counter, key):
    """Philox4x32-10 with Python integers (a second, loop-only twin)."""
    c = [int(v) & MASK32 for v in counter]
    k = [int(v) & MASK32 for v in key]
    for rnd in range(10):
        if rnd > 0:
            k = [(k[0] + PHILOX_W[0]) & MASK32, (k[1] + PHILOX_W[1]) & MASK32]
        p0 = PHILOX_M[0] * c[0]
        p1 = PHILOX_M[1] * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k[0], p1 & MASK32, (p0 >> 32) ^ c[3] ^ k[1], p0 & MASK32]
    return c


# --------------------------------------------------------------------------
# (b) words -> two normals
# --------------------------------------------------------------------------
def words_to_uniforms(w0, w1, w2):
    """The Box–Muller inputs: u1 in (0, 1] (52 bits) and the angle a in [-1/2, 1/2).

    ``u1 = 1 - m 2**-52`` with the 52-bit integer ``m = ((w0 << 20) ^ w1)``
    (low 52 bits); ``a`` is word 2 read as a signed 32-bit integer times 2**-32.
    """
    w0 = np.asarray(w0, dtype=np.uint64)
    w1 = np.asarray(w1, dtype=np.uint64)
    w2 = np.asarray(w2, dtype=np.uint64)
    m = ((w0 << np.uint64(20)) ^ w1) & np.uint64((1 << 52) - 1)
    # 2**52 - m is an integer in [1, 2**52]: exact in float64, and so is the scaling.
    u1 = (np.uint64(1 << 52) - m).astype(np.float64) * 2.0 ** -52
    signed = w2.astype(np.int64)
    signed = np.where(signed >= 2 ** 31, signed - 2 ** 32, signed)
    a = signed.astype(np.float64) * 2.0 ** -32
    return u1, a


def words_to_normals(w0, w1, w2):
    """Two independent standard normals (r cos 2πa, r sin 2πa), r = √(−2 ln u1)."""
    u1, a = words_to_uniforms(w0, w1, w2)
    r = np.sqrt(-2.0 * np.log(u1))
    phi = 2.0 * np.pi * a
    return r * np.cos(phi), r * np.sin(phi)


def seed_key(seed: int):
    """The 64-bit seed as Philox key words (seed & 0xffffffff, seed >> 32)."""
    seed = int(seed)
    return seed & MASK32, seed >> 32


def normal_pairs(slot, k, t, layer, seed, stream=0):
    """The normal pair (multiplicative, additive) owned by one counter.

    Counter = (slot, k, t, layer | stream << 16), key = seed words.
    Arguments broadcast against each other.
    """
    slot, k, t, layer = np.broadcast_arrays(*(np.asarray(v, dtype=np.uint64)
                                              for v in (slot, k, t, layer)))
    word3 = layer | (np.uint64(stream) << np.uint64(16))
    ctr = np.stack([slot, k, t, word3], axis=-1)
    out = philox4x32_10(ctr, np.array(seed_key(seed), dtype=np.uint64))
    return words_to_normals(out[..., 0], out[..., 1], out[..., 2])


# --------------------------------------------------------------------------
# (c) normals in the kernel's slot layout
# --------------------------------------------------------------------------
def slot_offsets(widths):
    """Offset of each layer's I_n+2 normals in the last axis, and the total."""
    sizes = [int(w) + 2 for w in widths]
    offs = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    return offs, int(sum(sizes))


def reference_normals(seed, widths, n_inputs, repeats, stream=0, t0=0):
    """Normals exactly as the kernel would draw them, in ``noise_values`` layout.

    Returns an array (T, K, Σ_n (I_n+2)).  Layer n's block starts at
    ``slot_offsets(widths)[0][n]`` and holds ``(ξ_c, ξ'_c, z_0, ..., z_{I_n-1})``:
    value v of the block of (layer n, input t, repetition k) is element v mod 2
    of the normal pair of counter (v div 2, k, t, n | stream << 16).
    """
    offs, total = slot_offsets(widths)
    out = np.empty((n_inputs, repeats, total))
    t = np.arange(t0, t0 + n_inputs)[:, None, None]
    k = np.arange(repeats)[None, :, None]
    for n, w in enumerate(widths):
        n_ctr = (w + 3) // 2
        c = np.arange(n_ctr)[None, None, :]
        z0, z1 = normal_pairs(c, k, t, n, seed, stream)
        pairs = np.stack([z0, z1], axis=-1).reshape(n_inputs, repeats, 2 * n_ctr)
        out[:, :, offs[n]: offs[n] + w + 2] = pairs[:, :, : w + 2]
    return out


# --------------------------------------------------------------------------
# (c') the float32 generator (kernels/rng32.py): four normals per counter
# --------------------------------------------------------------------------
def words_to_uniforms32(w_radius, w_angle):
    """The float32 Box–Muller inputs, in float32 arithmetic: u = (fl(⌊w/2⌋) + ½)·2⁻³¹
    and a = fl(int32(w'))·2⁻³², fl = rounding to float32 (u in [2⁻³², 1], a in [−½, ½])."""
    w_radius = np.asarray(w_radius, dtype=np.uint64)
    w_angle = np.asarray(w_angle, dtype=np.uint64)
    half = (w_radius >> np.uint64(1)).astype(np.int64).astype(np.float32)
    u = (half + np.float32(0.5)) * np.float32(2.0 ** -31)
    signed = w_angle.astype(np.int64)
    signed = np.where(signed >= 2 ** 31, signed - 2 ** 32, signed)
    a = signed.astype(np.float32) * np.float32(2.0 ** -32)
    return u, a


def words_to_normals32(w_radius, w_angle):
    """The pair (r cos 2πa, r sin 2πa), r = √(−2 ln u), evaluated in float64
    from the float32 uniforms: the exact values the float32 transform rounds."""
    u, a = words_to_uniforms32(w_radius, w_angle)
    r = np.sqrt(-2.0 * np.log(u.astype(np.float64)))
    phi = 2.0 * np.pi * a.astype(np.float64)
    return r * np.cos(phi), r * np.sin(phi)


def normal_quads(slot, k, t, layer, seed, stream=0):
    """The four normals of counter (slot, k, t, layer | stream << 16), last axis."""
    slot, k, t, layer = np.broadcast_arrays(*(np.asarray(v, dtype=np.uint64)
                                              for v in (slot, k, t, layer)))
    word3 = layer | (np.uint64(stream) << np.uint64(16))
    out = philox4x32_10(np.stack([slot, k, t, word3], axis=-1),
                        np.array(seed_key(seed), dtype=np.uint64))
    z0, z1 = words_to_normals32(out[..., 0], out[..., 1])
    z2, z3 = words_to_normals32(out[..., 2], out[..., 3])
    return np.stack([z0, z1, z2, z3], axis=-1)


def reference_normals32(seed, widths, n_inputs, repeats, stream=0, t0=0):
    """As :func:`reference_normals` for ``precision="float32"``: value v of a
    block is element v mod 4 of the normals of counter (v div 4, k, t, n | stream << 16)."""
    offs, total = slot_offsets(widths)
    out = np.empty((n_inputs, repeats, total))
    t = np.arange(t0, t0 + n_inputs)[:, None, None]
    k = np.arange(repeats)[None, :, None]
    for n, w in enumerate(widths):
        n_ctr = (w + 5) // 4
        c = np.arange(n_ctr)[None, None, :]
        quads = normal_quads(c, k, t, n, seed, stream).reshape(n_inputs, repeats, 4 * n_ctr)
        out[:, :, offs[n]: offs[n] + w + 2] = quads[:, :, : w + 2]
    return out


# --------------------------------------------------------------------------
# activations (from the table in kernels/activations.py's docstring)
# --------------------------------------------------------------------------
def activation(act, x):
    """f(x) for an :class:`fastnoise.activations.Activation` (by name/param)."""
    x = np.asarray(x, dtype=np.float64)
    p = float(act.param)
    if act.function is not None:  # user-defined scalar function
        f = act.function.py_func if hasattr(act.function, "py_func") else act.function
        return np.array([f(float(v)) for v in x.ravel()]).reshape(x.shape)
    name = act.name
    if name == "linear":
        return p * x
    if name == "shifted_sigmoid":
        z = x - 0.5
        return 0.5 + p * z / (2.0 * np.sqrt(1.0 + p * p * z * z))
    if name == "logistic":
        return 1.0 / (1.0 + np.exp(-p * x))
    if name == "tanh":
        return np.tanh(p * x)
    if name == "relu":
        return np.maximum(0.0, p * x)
    if name == "cubic":
        return 3.0 * x ** 2 - 2.0 * x ** 3
    if name == "softmax":  # over the last axis (a layer's neurons), one row at a time
        rows = (p * x).reshape(-1, x.shape[-1])
        out = np.empty_like(rows)
        for r, v in enumerate(rows):
            e = np.exp(v - v.max())
            out[r] = e / e.sum()
        return out.reshape(x.shape)
    # the activations added after cubic, from their textbook definitions, element by element
    lam, a = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    scalar = {
        "elu": lambda v: v if v > 0 else p * math.expm1(v),
        "leaky_relu": lambda v: v if v > 0 else p * v,
        "softplus": lambda v: (math.log1p(math.exp(-abs(p * v))) + max(p * v, 0.0)) / p,
        "gelu": lambda v: 0.5 * v * math.erfc(-v / math.sqrt(2.0)),
        "swish": lambda v: v / (1.0 + math.exp(-v)) if v > -700 else 0.0,
        "hard_sigmoid": lambda v: min(max(p * v + 0.5, 0.0), 1.0),
        "softsign": lambda v: v / (1.0 + abs(v)),
        "selu": lambda v: lam * (v if v > 0 else a * math.expm1(v)),
    }.get(name)
    if scalar is not None:
        return np.array([scalar(float(v)) for v in x.ravel()]).reshape(x.shape)
    raise ValueError(f"no reference for activation {name!r}")


def amplitudes(noise):
    """(a_MU, a_AU, a_MC, a_AC) = √(2D) of a Noise (or zeros for None)."""
    if noise is None:
        return 0.0, 0.0, 0.0, 0.0
    return (math.sqrt(2 * noise.multiplicative), math.sqrt(2 * noise.additive),
            math.sqrt(2 * noise.multiplicative_correlated),
            math.sqrt(2 * noise.additive_correlated))


def expand_noise(noise, n_layers):
    """A Noise, None or per-layer list -> list of per-layer (Noise or None)."""
    if noise is None or not isinstance(noise, (list, tuple)):
        return [noise] * n_layers
    assert len(noise) == n_layers
    return list(noise)


# --------------------------------------------------------------------------
# (d) noisy forward pass with given noise, (e) noiseless forward pass
# --------------------------------------------------------------------------
def noisy_forward(net, inputs, noise, noise_values, return_samples=False, dtype=np.float64):
    """Noisy forward pass of K repetitions of every input (Eqs. 1–3).

    Parameters
    ----------
    net : fastnoise.Network (only weights, biases, activations and
        ``noise_at`` are read: Eq. 3 on y = f(x̃), or on x̃ before f)
    inputs : (T, I_0)
    noise : Noise, None or list of them (one per layer)
    noise_values : (T, K, Σ (I_n+2)) standard normals in the kernel layout
        (see :func:`reference_normals`).
    return_samples : bool
        Also return the noisy outputs y of every layer, (T, K, I_n) each.
    dtype : float64 or float32
        Precision of the states (``precision="float32"``: inputs, weights,
        biases, amplitudes and normals rounded to float32, arithmetic in
        float32); means and variances are computed in float64 either way.

    Returns
    -------
    mean, var : lists of (T, I_n)
        Mean and unbiased (ddof=1) variance over the K repetitions of y.
    """
    u = np.atleast_2d(np.asarray(inputs, dtype=np.float64)).astype(dtype)
    noise_values = np.asarray(noise_values).astype(dtype)
    T, K, _ = noise_values.shape
    widths = [int(w) for w in net.widths]
    groups = [int(g) for g in getattr(net, "noise_groups", [1] * len(widths))]
    sizes = [w + 2 * g for w, g in zip(widths, groups)]       # (ξ_c[G], ξ'_c[G], z[I]) per layer
    offs = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    assert noise_values.shape[2] == sum(sizes)
    noises = expand_noise(noise, len(widths))
    places = tuple(getattr(net, "noise_at", ("output",) * len(widths)))
    means, variances, samples = [], [], []
    y_prev = None
    for n, width in enumerate(widths):
        if n == 0:
            xt = np.broadcast_to(u[:, None, :], (T, K, width)).copy()
        else:
            xt = layer_states(net, n, y_prev, dtype)
        a_mu, a_au, a_mc, a_ac = (dtype(a) for a in amplitudes(noises[n]))
        G = groups[n]
        blk = noise_values[:, :, offs[n]: offs[n] + sizes[n]]
        # neuron i (channels-last) has the correlated normals of group i mod G
        chan = np.arange(width) % G
        xi_c, xip_c, z = blk[:, :, :G][:, :, chan], blk[:, :, G:2 * G][:, :, chan], blk[:, :, 2 * G:]

        def eq3(v):
            # Eq. 3: v(1 + a_MU ξ_i)(1 + a_MC ξ_c) + a_AU ξ'_i + a_AC ξ'_c.  Given
            # ξ_c, ξ'_c the two uncorrelated terms v(1 + a_MC ξ_c) a_MU ξ_i + a_AU ξ'_i
            # are one normal of variance (a_MU v (1 + a_MC ξ_c))² + a_AU²: drawn as
            # sqrt(that) z_i, one normal per neuron.
            vc = v * (1.0 + a_mc * xi_c)
            return vc + a_ac * xip_c + np.sqrt((a_mu * vc) ** 2 + a_au ** 2) * z

        if places[n] == "input":  # noise on x̃, then y = x = f(noisy x̃)
            y = activation(net.activations[n], eq3(xt).astype(dtype)).astype(dtype)
        else:  # the paper: x = f(x̃) (Eq. 2), then y = Eq. 3 on x
            y = eq3(activation(net.activations[n], xt).astype(dtype))
        means.append(y.astype(np.float64).mean(axis=1))
        variances.append(y.astype(np.float64).var(axis=1, ddof=1))
        samples.append(y)
        y_prev = y
    if return_samples:
        return means, variances, samples
    return means, variances


def mitigated_forward(net, transform, layer, inputs, noise, noise_values, copies=2, matrix=None):
    """Output mean and variance (over K) of a mitigated network, computed from the *plain*
    ``net`` and the definition of ``transform`` at hidden layer ``layer`` (paper Eqs. 1–3,
    noise after f; no fastnoise code), with ``noise_values`` in the slot layout of the
    transformed network's widths:

    * ``"pool"``: layer ``layer``'s neuron i is built ``copies`` times (slots i·c … i·c+c−1),
      each copy f(x̃_i) with its own Eq. 3 noise; the next layer reads their average;
    * ``"ghost"``: one more neuron (slot I) whose noiseless state is f(0) and which carries
      the layer's noise; the next layer reads y − (y_g − f(0)) 1;
    * ``"intra_layer"``: the next layer reads V y / r̄, r̄ the mean row sum of ``matrix``.
    """
    u = np.atleast_2d(np.asarray(inputs, dtype=np.float64))
    z_all = np.asarray(noise_values, dtype=np.float64)
    T, K, _ = z_all.shape
    widths = [u.shape[1]] + [w.shape[0] for w in net.weights[1:]]
    extra = {"pool": widths[layer] * (copies - 1), "ghost": 1, "intra_layer": 0}[transform]
    mwidths = list(widths)
    mwidths[layer] += extra
    offs, total = slot_offsets(mwidths)
    assert z_all.shape[2] == total
    noises = expand_noise(noise, len(widths))

    def eq3(v, n, width):
        a_mu, a_au, a_mc, a_ac = amplitudes(noises[n])
        blk = z_all[:, :, offs[n]: offs[n] + width + 2]
        xi_c, xip_c, z = blk[:, :, :1], blk[:, :, 1:2], blk[:, :, 2:]
        vc = v * (1.0 + a_mc * xi_c)
        return vc + a_ac * xip_c + np.sqrt((a_mu * vc) ** 2 + a_au ** 2) * z

    y = None
    for n, width in enumerate(widths):
        act = net.activations[n]
        if n == 0:
            xt = np.broadcast_to(u[:, None, :], (T, K, width)).copy()
        else:
            xt = np.einsum("tkj,ij->tki", y, net.weights[n]) + net.biases[n]
        x = activation(act, xt)
        if n != layer:
            y = eq3(x, n, width)
            continue
        if transform == "pool":
            rep = np.repeat(x, copies, axis=2)                       # copy j of neuron i: slot i·c + j
            y = eq3(rep, n, width * copies).reshape(T, K, width, copies).mean(axis=3)
        elif transform == "ghost":
            f0 = float(activation(act, np.zeros(1))[0])
            full = np.concatenate([x, np.full((T, K, 1), f0)], axis=2)
            yy = eq3(full, n, width + 1)
            y = yy[:, :, :width] - (yy[:, :, width:] - f0)
        else:
            v = np.asarray(matrix, dtype=np.float64)
            y = np.einsum("ij,tkj->tki", v / np.mean(v.sum(axis=1)), eq3(x, n, width))
    return y.mean(axis=1), y.var(axis=1, ddof=1)


def noiseless_forward(net, inputs):
    """Internal states x̃ (Eq. 1) and outputs x = f(x̃) (Eq. 2), (T, I_n) each."""
    u = np.atleast_2d(np.asarray(inputs, dtype=np.float64))
    xts, xs = [], []
    for n, act in enumerate(net.activations):
        if n == 0:
            xt = u.copy()
        elif net.weights[n] is None:  # a convolution, pooling or flatten layer
            xt = layer_states(net, n, xs[-1])
        else:
            xt = np.zeros((u.shape[0], net.weights[n].shape[0]))
            for i in range(net.weights[n].shape[0]):       # naive loops on purpose
                xt[:, i] = net.biases[n][i]
                for j in range(net.weights[n].shape[1]):
                    xt[:, i] += net.weights[n][i, j] * xs[-1][:, j]
        xts.append(xt)
        xs.append(activation(act, xt))
    return xts, xs


# --------------------------------------------------------------------------
# (f) the states of one layer, by its kind
# --------------------------------------------------------------------------
def layer_states(net, n, y_prev, dtype=np.float64):
    """x̃ of layer ``n`` (≥ 1) from the outputs ``y_prev`` (..., I_{n−1}) of the layer before.

    Maps are channels-last, flattened in (row, column, channel) order.  Dense:
    W y + b (Eq. 1).  Convolution: the zero-padded map, then for each output
    position the window times the kernel, summed, plus the bias.  Pooling: the
    maximum (padding −∞) or mean of each window (padding 0 and counted, or left
    out).  Flatten: the same values.
    """
    op = net.ops[n - 1]
    kind = op.kind
    y_prev = np.asarray(y_prev)
    lead = y_prev.shape[:-1]
    if kind == "dense":
        W, b = np.asarray(op.weights, dtype), np.asarray(op.bias, dtype)
        return np.einsum("...j,ij->...i", y_prev, W) + b
    if kind == "flatten":
        return y_prev.copy()
    h, w, c = op.in_shape
    x = y_prev.reshape(lead + (h, w, c))
    pt, pb, pl, pr = op.padding
    sh, sw = op.strides
    if kind == "conv2d":
        kern, bias = np.asarray(op.kernel, dtype), np.asarray(op.bias, dtype)
        kh, kw = kern.shape[:2]
        fill = 0.0
    else:
        kh, kw = op.pool_size
        fill = -np.inf if kind == "maxpool2d" else (0.0 if op.count_pad else np.nan)
    pad = [(0, 0)] * len(lead) + [(pt, pb), (pl, pr), (0, 0)]
    xp = np.pad(x.astype(np.float64 if kind != "conv2d" else dtype), pad, constant_values=fill)
    ho = (h + pt + pb - kh) // sh + 1
    wo = (w + pl + pr - kw) // sw + 1
    outs = []
    for i in range(ho):
        for j in range(wo):
            win = xp[..., i * sh: i * sh + kh, j * sw: j * sw + kw, :]   # (..., kh, kw, c)
            if kind == "conv2d":
                outs.append(np.einsum("...abc,abco->...o", win, kern) + bias)
            elif kind == "maxpool2d":
                outs.append(win.max(axis=(-3, -2)))
            else:
                outs.append(np.nanmean(win, axis=(-3, -2)))
    out = np.stack(outs, axis=-2)                                          # (..., ho·wo, c_out)
    return out.reshape(lead + (-1,)).astype(dtype)


# --------------------------------------------------------------------------
# exact moments of a linear network
# --------------------------------------------------------------------------
def noisy_layer_moments(mu_x, cov_x, noise):
    """Mean and covariance of y (Eq. 3) given x with mean mu_x and covariance cov_x.

    With A_i = 1 + a_MU ξ_i, C = 1 + a_MC ξ_c (independent of x and of each
    other) and E[A_i A_j] = 1 + a_MU² δ_ij, E[C²] = 1 + a_MC²:

        E y = mu_x
        Cov y = (1 + a_MC²) (S + a_MU² diag(S)) − mu mu^T + a_AU² I + a_AC² 1 1^T,
        S = E[x x^T] = cov_x + mu mu^T.

    The correlated kinds enter as the rank-one terms a_MC² mu mu^T (inside the
    first term) and a_AC² 1 1^T.
    """
    a_mu, a_au, a_mc, a_ac = amplitudes(noise)
    S = cov_x + np.outer(mu_x, mu_x)
    n = len(mu_x)
    cov = (1.0 + a_mc ** 2) * (S + a_mu ** 2 * np.diag(np.diag(S))) - np.outer(mu_x, mu_x)
    cov = cov + a_au ** 2 * np.eye(n) + a_ac ** 2 * np.ones((n, n))
    return mu_x.copy(), cov


def linear_moments(net, u, noise):
    """Exact per-layer mean and covariance of y for one input u (linear layers only).

    Each layer n must have a ``linear`` activation of gain g_n, so that
    x = g_n (W y_{n−1} + b) has mean g_n (W μ + b) and covariance g_n² W Σ Wᵀ.
    Returns lists ``means[n]`` (I_n,) and ``covs[n]`` (I_n, I_n).
    """
    noises = expand_noise(noise, net.n_layers)
    means, covs = [], []
    for n, act in enumerate(net.activations):
        assert act.name == "linear" and act.function is None, "linear layers only"
        g = float(act.param)
        if n == 0:
            mu_x = g * np.asarray(u, dtype=np.float64)
            cov_x = np.zeros((mu_x.size, mu_x.size))
        else:
            W, b = net.weights[n], net.biases[n]
            mu_x = g * (W @ means[-1] + b)
            cov_x = g * g * (W @ covs[-1] @ W.T)
        mu, cov = noisy_layer_moments(mu_x, cov_x, noises[n])
        means.append(mu)
        covs.append(cov)
    return means, covs


def y_fourth_central_moment(x, noise):
    """μ4 of y = x(1+aξ)(1+cζ) + bη + dθ for a constant x (one noisy neuron).

    y − x = x(AC − 1) + bη + dθ with independent, zero-mean parts, so
    μ4 = x⁴ E(AC−1)⁴ + 6 x² σ_×² (b² + d²) + 3 (b² + d²)², where
    E(AC)^m = E A^m E C^m and, for A = 1 + aξ: E A = 1, E A² = 1 + a²,
    E A³ = 1 + 3a², E A⁴ = 1 + 6a² + 3a⁴.
    """
    a, b, c, d = amplitudes(noise)

    def moments(s):
        return (1.0, 1.0, 1.0 + s * s, 1.0 + 3 * s * s, 1.0 + 6 * s * s + 3 * s ** 4)

    ma, mc = moments(a), moments(c)
    m = [ma[j] * mc[j] for j in range(5)]          # E (AC)^j
    e4 = m[4] - 4 * m[3] + 6 * m[2] - 4 * m[1] + 1.0
    sx2 = m[2] - 1.0                                # σ_×² = (1+a²)(1+c²) − 1
    s_add = b * b + d * d
    x = np.asarray(x, dtype=np.float64)
    return x ** 4 * e4 + 6 * x ** 2 * sx2 * s_add + 3 * s_add ** 2


# --------------------------------------------------------------------------
# histogram reducer
# --------------------------------------------------------------------------
def histogram_counts(values, lo, hi, bins):
    """Counts of ``values`` in ``bins`` equal bins of [lo, hi) plus under/overflow.

    Bin 0 holds values < lo, bin bins+1 values ≥ hi; value v goes to bin
    1 + floor((v − lo) · bins / (hi − lo)).
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    pos = (v - lo) * (bins / (hi - lo))
    idx = np.where(pos < 0, 0, np.where(pos >= bins, bins + 1, np.floor(pos) + 1)).astype(int)
    return np.bincount(idx, minlength=bins + 2)
