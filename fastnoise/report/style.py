"""One figure style for every plot: sizes, fonts, a colour-blind-safe palette.

matplotlib is an optional dependency (``pip install 'fastnoise[plot]'``); it is
imported only when a figure is drawn.  Figures are built with the
object-oriented :class:`matplotlib.figure.Figure` and never through
``pyplot``, so that no window opens and the user's backend is left alone; they
render with the Agg canvas.
"""

from __future__ import annotations

import contextlib
import functools

__all__ = ["PALETTE", "SERIES", "BLACK", "GRAY", "STYLE", "COLUMN", "PAGE", "require_matplotlib",
           "style_context", "styled", "new_figure", "panel_letter", "letters", "curve_style",
           "point_style", "readable_log_axis"]

#: Okabe & Ito's colour-blind-safe palette (without black), in cycle order:
#: orange, sky blue, bluish green, vermillion, blue, reddish purple, yellow.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#F0E442")
BLACK = "#000000"
GRAY = "#7F7F7F"
#: Colours of series told apart by their label only (activation slopes, Taylor
#: orders): blue, orange, bluish green, vermillion, reddish purple, sky blue, black.
SERIES = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
#: Colours of the curves (predictions, references), after those of known labels.
CURVE_CYCLE = ("#D55E00", "#009E73", "#0072B2", "#CC79A7", "#E69F00", "#56B4E9")

#: Width in inches of one journal column and of a full page.
COLUMN = 3.4
PAGE = 7.0

#: rcParams applied while a figure is drawn and saved (the colour cycle,
#: :data:`PALETTE`, is added by :func:`style_context`).
STYLE = {
    "font.size": 8.0,
    "axes.titlesize": 8.0,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 6.5,
    "legend.frameon": False,
    "legend.handlelength": 1.6,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.0,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.minor.width": 0.4,
    "ytick.minor.width": 0.4,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "mathtext.fontset": "dejavusans",
    "pdf.fonttype": 42,  # TrueType fonts, editable text in the PDF
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
}

_MISSING = "plotting needs matplotlib, which is not installed: pip install 'fastnoise[plot]'"


def require_matplotlib():
    """Import and return :mod:`matplotlib`.

    Raises
    ------
    ImportError
        With a one-line message naming the extra to install.
    """
    try:
        import matplotlib
    except ImportError:
        raise ImportError(_MISSING) from None
    return matplotlib


def _rc() -> dict:
    from cycler import cycler

    rc = dict(STYLE)
    rc["axes.prop_cycle"] = cycler(color=list(PALETTE))
    return rc


@contextlib.contextmanager
def style_context():
    """Context manager applying :data:`STYLE` to the artists created inside it."""
    mpl = require_matplotlib()
    with mpl.rc_context(_rc()):
        yield mpl


def styled(func):
    """Decorator: run a figure function inside :func:`style_context`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with style_context():
            return func(*args, **kwargs)

    return wrapper


def axes_or_new(ax=None, **size):
    """``ax`` itself, or the single axes of a new :func:`new_figure` (``size``:
    its ``width``/``height``): what every one-panel plot draws into."""
    if ax is not None:
        return ax
    return new_figure(**size)[1][0, 0]


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float | None = None,
               height: float | None = None, sharex=False, sharey=False):
    """A constrained-layout :class:`~matplotlib.figure.Figure` and its axes grid.

    Parameters
    ----------
    nrows, ncols : int
        Grid shape.
    width, height : float, optional
        Size in inches (default: one column for a single panel, a page
        for a grid; 2.3 inches per row).
    sharex, sharey : bool or str
        As for :meth:`matplotlib.figure.Figure.subplots`.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : ndarray of Axes, shape (nrows, ncols)
    """
    require_matplotlib()
    from matplotlib.figure import Figure

    if width is None:
        width = COLUMN if ncols == 1 else min(PAGE, 2.45 * ncols)
    if height is None:
        height = 2.5 if nrows == 1 and ncols == 1 else 2.15 * nrows
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # render with Agg whatever the session's backend
    axes = fig.subplots(nrows, ncols, sharex=sharex, sharey=sharey, squeeze=False)
    return fig, axes


def letters(n: int) -> list[str]:
    """Panel letters ``(a)``, ``(b)``, ... for ``n`` panels."""
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    return [f"({alphabet[i % 26]}{'' if i < 26 else i // 26})" for i in range(n)]


def panel_letter(ax, letter: str) -> None:
    """Write a bold panel letter as the left-hand title of ``ax``."""
    ax.set_title(letter, loc="left", fontweight="bold")


# -- styles of known series ----------------------------------------------------------

#: (substring of a lowercase label, line style) for the curves of the paper's figures:
#: the single neuron gray and dashed (Fig. 3), predictions black (Figs. 3, 5),
#: the uniform / normal / g(x̃) densities red, green, black (Fig. 6),
#: the first-order and higher-order recursions red and yellow (Fig. 4b).
_KNOWN_CURVES = (
    ("single neuron", {"color": GRAY, "linestyle": "--"}),
    ("uniform", {"color": "#D55E00"}),
    ("normal", {"color": "#009E73"}),
    ("first order", {"color": "#D55E00"}),
    ("first-order", {"color": "#D55E00"}),
    ("order", {"color": "#E69F00"}),
    ("taylor", {"color": "#E69F00"}),
    ("g(", {"color": BLACK}),
    ("predict", {"color": BLACK}),
    ("analytic", {"color": BLACK}),
)


def curve_style(label: str, i: int) -> dict:
    """Line properties of the ``i``-th curve, called ``label``."""
    low = str(label).lower()
    for key, props in _KNOWN_CURVES:
        if key in low:
            return dict(props)
    return {"color": CURVE_CYCLE[i % len(CURVE_CYCLE)]}


def point_style(label: str, i: int) -> dict:
    """Marker properties of the ``i``-th scatter series, called ``label``."""
    low = str(label).lower()
    if "predict" in low:
        return {"color": BLACK}
    return {"color": PALETTE[i % len(PALETTE)]}


def readable_log_axis(axis) -> None:
    """Label a logarithmic ``axis`` with plain numbers between 10⁻³ and 10⁴.

    Keeps matplotlib's choice of which (minor) ticks get a label, but writes
    ``20`` instead of ``2 × 10¹``; values outside that range keep powers of ten.
    """
    from matplotlib.ticker import LogFormatterSciNotation

    class _Plain(LogFormatterSciNotation):
        def __call__(self, x, pos=None):
            text = super().__call__(x, pos)
            if not text or not 1e-3 <= abs(x) < 1e4:
                return text
            return f"{x:g}"

    axis.set_major_formatter(_Plain())
    axis.set_minor_formatter(_Plain(labelOnlyBase=False))
