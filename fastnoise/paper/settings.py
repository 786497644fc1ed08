"""Sizes of the simulations behind the paper's figures: full and ``--quick``.

The full settings follow the paper where it states them (Fig. 3: the
1-200-200-1 network, K = 300, T = 1000; Fig. 4: 12 hidden layers,
D_A^U = 1e-4; Fig. 5: 1000 images or windows, all 892 test fives for
network A) and are sized elsewhere so that ``fastnoise paper all`` finishes
in a few minutes on two cores.  The quick settings keep every figure's
structure with far fewer repetitions, inputs and neurons (for tests and a
first look); their numbers are noisy and their claim verdicts are not
meaningful.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

__all__ = ["Fig3Settings", "Fig4Settings", "TrainedSettings", "Settings"]


@dataclass(frozen=True)
class Fig3Settings:
    """Fig. 3: the symmetric network with shifted-sigmoid hidden layers.

    Attributes
    ----------
    repeats : int
        K repetitions of every input.
    inputs : int
        T inputs evenly spread on [0, 1].
    width : int
        Neurons per hidden layer (two hidden layers).
    alpha : float
        Slope of the shifted sigmoid.
    additive, multiplicative : float
        D_A and D_M of the panels (the correlated panels use the same values).
    seed : int
    """

    repeats: int = 300
    inputs: int = 1000
    width: int = 200
    alpha: float = 4.0
    additive: float = 1e-4
    multiplicative: float = 1e-3
    seed: int = 1


@dataclass(frozen=True)
class Fig4Settings:
    """Fig. 4 and the depth claims: deep symmetric networks, D_A^U only.

    Attributes
    ----------
    repeats, inputs, hidden, width : int
        Panel (b): K, T inputs on [0, 1] (odd, so that u = 0.5 is one of
        them), hidden layers and their width.
    alphas_b : tuple of float
        Slopes of the rows of panel (b).
    depth_alphas : tuple of float
        Slopes of the depth runs (one input u = 0.5, many repetitions) behind
        panels (c), (d) and claims 1–4.
    lamerey_alphas : tuple of float
        The subset of ``depth_alphas`` drawn in panel (c).
    depth_hidden : int
        Hidden layers of the depth runs.
    depth_repeats, depth_copies : int
        The depth runs simulate ``depth_copies`` identical inputs u = 0.5
        with ``depth_repeats`` repetitions each (copies run in parallel);
        statistics pool them.
    analytic_depth : int
        Hidden layers of the exact density-evolution prediction used for the
        fixed points of claims 1 and 3.
    order_layers : tuple of int
        Hidden layers (1-based) whose simulated Var(x̃) sets the variance of
        panel (d).
    max_order : int
        Highest Taylor order M (panels b, d).
    additive : float
        D_A^U (Fig. 4 caption).
    seed : int
    """

    repeats: int = 300
    inputs: int = 1001
    hidden: int = 12
    width: int = 200
    alphas_b: tuple = (2.0, 3.0)
    depth_alphas: tuple = (1.5, 1.9, 2.0, 2.1, 2.5, 3.0, 3.5, 4.0, 5.0)
    lamerey_alphas: tuple = (1.5, 2.0, 2.5, 3.0, 4.0)
    depth_hidden: int = 24
    depth_repeats: int = 10000
    depth_copies: int = 2
    analytic_depth: int = 200
    order_layers: tuple = (3, 5, 7)
    max_order: int = 15
    additive: float = 1e-4
    seed: int = 1


@dataclass(frozen=True)
class TrainedSettings:
    """Figs. 5 and 6: the trained networks A, B and C.

    Attributes
    ----------
    repeats : int
        K repetitions of every input.
    count_a : int or None
        MNIST test images of digit 5 for network A (None: all 892).
    count_b : int
        Fashion-MNIST test pullovers for network B.
    count_c : int
        Mackey–Glass windows for network C.
    claim5_count : int
        Digit-5 images of the network-A runs behind claim 5 (correlated
        versus uncorrelated noise, logistic versus linear activations).
    additive, multiplicative : float
        D_A and D_M; Figs. 5–6 use all four kinds at the Fig. 3 values.
    hist_bins : int
        Bins of the state histograms of Fig. 6 (d–f).
    max_points : int
        At most this many (input, neuron) points per SNR panel go into the
        CSV and the plot (a fixed, evenly strided subset); statistics use
        all of them.
    seed : int
    """

    repeats: int = 300
    count_a: int | None = None
    count_b: int = 1000
    count_c: int = 1000
    claim5_count: int = 200
    additive: float = 1e-4
    multiplicative: float = 1e-3
    hist_bins: int = 60
    max_points: int = 20000
    seed: int = 1


@dataclass(frozen=True)
class Settings:
    """Settings of every figure; :meth:`full` (default) or :meth:`quick`."""

    fig3: Fig3Settings = field(default_factory=Fig3Settings)
    fig4: Fig4Settings = field(default_factory=Fig4Settings)
    trained: TrainedSettings = field(default_factory=TrainedSettings)
    quick: bool = False

    @classmethod
    def full(cls) -> "Settings":
        """The paper-sized settings (a few minutes for all figures on two cores)."""
        return cls()

    @classmethod
    def quick_settings(cls) -> "Settings":
        """Small settings for tests and a first look (seconds per figure)."""
        return cls(
            fig3=Fig3Settings(repeats=40, inputs=60, width=20),
            fig4=Fig4Settings(repeats=40, inputs=21, hidden=12, width=20,
                              depth_hidden=14, depth_repeats=400, depth_copies=1,
                              analytic_depth=40),
            trained=TrainedSettings(repeats=30, count_a=30, count_b=30, count_c=30,
                                    claim5_count=10, max_points=2000),
            quick=True)

    def to_dict(self) -> dict:
        """JSON-able form (written into every figure's summary)."""
        return asdict(self)

    def with_(self, **parts) -> "Settings":
        """A copy with some parts replaced, e.g. ``s.with_(fig3=Fig3Settings(inputs=10))``."""
        return replace(self, **parts)
