"""The operation program: how a network is described to the kernels.

A network of L layers (the input layer first) reaches the kernels as

* ``program``: an (L, :data:`N_FIELDS`) int64 array, one row per layer, with
  the columns named below (operation code, widths, offsets into the flat
  parameter and output arrays, activation code, noise placement);
* ``act_param``: (L,) float64, the activation parameter of each layer;
* ``amp``: (L, 4), the noise amplitudes (√(2D_M^U), √(2D_A^U), √(2D_M^C),
  √(2D_A^C)) of each layer, in the kernel's dtype;
* ``w_flat``, ``b_flat``: every operation's parameters, flat, in the
  kernel's dtype (an operation finds its own at its ``W_OFF``/``B_OFF``).

:mod:`.ops` holds one routine per operation code; a new kind of layer adds a
code here, its routine there and a branch in :func:`.ops.op_states` and
:func:`.ops.op_forward`.  Convolution and pooling layers also fill the
geometry columns (``G_*``) and, for scratch space, :data:`SCRATCH`.  ``Network.packed`` (``fastnoise.network``) builds
the program from each operation's ``pack()``.
"""

from __future__ import annotations

#: Operation codes (column :data:`OP`).
OP_INPUT = 0   #: the input layer: x̃ = u^t
OP_DENSE = 1   #: x̃ = W y_{n−1} + b (paper Eq. 1)
OP_CONV2D = 2  #: x̃ = K ⋆ y_{n−1} + b, a 2-D convolution of a channels-last map
OP_POOL2D = 3  #: x̃ = max or mean of each window of y_{n−1} (mode in :data:`G_MODE`)
OP_FLATTEN = 4  #: x̃ = y_{n−1} (the same values; only the shape changes)

#: Pooling modes (column :data:`G_MODE` of an :data:`OP_POOL2D` layer).
POOL_MAX = 0        #: the largest value of the window (NaN propagates)
POOL_AVG = 1        #: mean over the whole window, padding counted as zeros
POOL_AVG_VALID = 2  #: mean over the window's values inside the map

#: Noise placements (column :data:`NOISE_AT`).
NOISE_OUTPUT = 0  #: Eq. 3 on y = f(x̃) (the paper's model)
NOISE_INPUT = 1   #: Eq. 3 on x̃, then x = f(noisy x̃)
#: The input layer's additive noise (Eq. 3 on y_0 = f(u), D_M = 0) carried into
#: layer 1 in its own space (:mod:`.projection`): layer 0's ``W_OFF`` then holds the
#: offset of M = [Cᵀ; sᵀ], (I_1 + 1, I_1), in ``w_flat``.  Set by the wrapper only.
NOISE_PROJECTED = 2

#: Columns of ``program``.
OP = 0        #: operation code
WIDTH = 1     #: neurons of the layer, I_n
IN_WIDTH = 2  #: neurons of the layer it reads, I_{n−1} (0 for the input layer)
W_OFF = 3     #: offset of its weights in ``w_flat`` (W^nᵀ, (I_{n−1}, I_n), for dense;
#: for the input layer, of M under :data:`NOISE_PROJECTED`)
B_OFF = 4     #: offset of its bias in ``b_flat``, or −1 for none
ACT = 5       #: activation code (:mod:`.activations`)
NOISE_AT = 6  #: :data:`NOISE_OUTPUT`, :data:`NOISE_INPUT` or :data:`NOISE_PROJECTED`
OUT_OFF = 7   #: first column of the layer in the (…, ΣI_n) outputs
NS_OFF = 8    #: offset of its I_n + 2 normals (I_n + 2C, :data:`NOISE_GROUPS`) in the last axis of given normals
#: Geometry of a convolution or pooling layer (0 for other operations); maps are
#: channels-last, (height, width, channels), flattened in that order.
G_H = 9       #: input height
G_W = 10      #: input width
G_C = 11      #: input channels
G_HO = 12     #: output height
G_WO = 13     #: output width
G_CO = 14     #: output channels
G_KH = 15     #: window (kernel) height
G_KW = 16     #: window width
G_SH = 17     #: vertical stride
G_SW = 18     #: horizontal stride
G_PT = 19     #: padding rows above the map (the output's row 0 starts there)
G_PL = 20     #: padding columns left of the map
G_MODE = 21   #: pooling mode (:data:`POOL_MAX`, :data:`POOL_AVG`, :data:`POOL_AVG_VALID`)
SCRATCH = 22  #: scratch values the operation needs per repetition (im2col patches)
#: Groups of neurons with their own correlated noise (0 or 1: the whole layer; C: per
#: channel of a channels-last map, neuron i in group i mod C).  The layer then has
#: I_n + 2C normals per repetition: (ξ_c[0..C), ξ'_c[0..C), z_0, …).
NOISE_GROUPS = 23
N_FIELDS = 24

#: Geometry columns by name, as an operation's ``pack()["geometry"]`` gives them.
GEOMETRY = {"h": G_H, "w": G_W, "c": G_C, "ho": G_HO, "wo": G_WO, "co": G_CO, "kh": G_KH,
            "kw": G_KW, "sh": G_SH, "sw": G_SW, "pt": G_PT, "pl": G_PL, "mode": G_MODE,
            "scratch": SCRATCH, "noise_groups": NOISE_GROUPS}

__all__ = ["OP_INPUT", "OP_DENSE", "OP_CONV2D", "OP_POOL2D", "OP_FLATTEN", "POOL_MAX", "POOL_AVG",
           "POOL_AVG_VALID", "G_H", "G_W", "G_C", "G_HO", "G_WO", "G_CO", "G_KH", "G_KW", "G_SH",
           "G_SW", "G_PT", "G_PL", "G_MODE", "SCRATCH", "NOISE_GROUPS", "GEOMETRY", "NOISE_OUTPUT", "NOISE_INPUT", "NOISE_PROJECTED", "OP", "WIDTH",
           "IN_WIDTH", "W_OFF", "B_OFF", "ACT", "NOISE_AT", "OUT_OFF", "NS_OFF", "N_FIELDS"]
