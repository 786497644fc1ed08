"""Writing figures: :func:`save` (PNG and PDF, never over an existing file by default)."""

from __future__ import annotations

import contextlib
import logging
import os

from .style import require_matplotlib, style_context

__all__ = ["save"]

def _metadata(fmt: str) -> dict | None:
    from .._version import __version__

    if fmt == "png":
        return {"Software": f"fastnoise {__version__}"}
    if fmt == "pdf":  # no creation date: the same figure gives the same bytes
        return {"Creator": f"fastnoise {__version__}", "CreationDate": None}
    return None


@contextlib.contextmanager
def _quiet_font_subsetting():
    """Hide fontTools' warnings about odd font timestamps while fonts are
    embedded in a PDF (harmless, and not the user's concern)."""
    log = logging.getLogger("fontTools")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def save(fig, path, formats=("png", "pdf"), *, dpi=200, overwrite=False) -> list[str]:
    """Write ``fig`` once per format: ``path`` with each suffix.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or path-like
        Target without suffix (``"out/fig3"``) or with one of the formats'
        suffixes (``"out/fig3.png"``); the suffix is replaced by each
        format's.  Missing parent folders are created.
    formats : str or sequence of str
        File formats matplotlib can write, e.g. ``("png", "pdf")``.
    dpi : float
        Resolution of raster formats (PNG).
    overwrite : bool
        Replace existing files; without it an existing target is an error
        and nothing is written.

    Returns
    -------
    list of str
        The paths written, in the order of ``formats``.

    Raises
    ------
    FileExistsError
        When a target exists and ``overwrite`` is False.
    ValueError
        For a format matplotlib cannot write.
    """
    require_matplotlib()
    if isinstance(formats, str):
        formats = (formats,)
    supported = fig.canvas.get_supported_filetypes()
    fmts = [str(f).lower().lstrip(".") for f in formats]
    if not fmts:
        raise ValueError("no formats given; use e.g. formats=('png', 'pdf')")
    for f in fmts:
        if f not in supported:
            raise ValueError(f"cannot write format {f!r}; choose from "
                             f"{', '.join(sorted(supported))}")
    path = os.fspath(path)
    root, ext = os.path.splitext(path)
    stem = root if ext.lower().lstrip(".") in supported else path
    targets = [f"{stem}.{f}" for f in dict.fromkeys(fmts)]
    if not overwrite:
        for t in targets:
            if os.path.exists(t):
                raise FileExistsError(f"{t} exists; pass overwrite=True to "
                                      "replace it")
    folder = os.path.dirname(os.path.abspath(stem))
    os.makedirs(folder, exist_ok=True)
    written = []
    with style_context(), _quiet_font_subsetting():
        for t in targets:
            fmt = t.rsplit(".", 1)[1]
            tmp = os.path.join(folder, f".{os.path.basename(t)}.partial")
            try:
                fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt))
                os.replace(tmp, t)
            finally:
                if os.path.exists(tmp):
                    os.remove(tmp)
            written.append(t)
    return written
