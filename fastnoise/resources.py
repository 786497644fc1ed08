"""Memory and disk a simulation needs, checked before anything is allocated or written.

:func:`estimate` sizes a :class:`~fastnoise.simulate.Plan`: the peak memory of
its run (the per-block arrays and the kernels' per-thread noise buffers, plus
the whole results when they are kept in memory) and the size of its store on
disk (every dataset is allocated when the run is laid out).
:func:`check_plan` compares them with the memory available now and the free
space where the store goes, and refuses a run that cannot fit with one line
that gives the estimate, what is available and which setting to lower, before
any file exists.  :func:`check_allocation` does the same for a single array
(a network's weights, a config's inputs).

Sizes are computed with Python integers, so absurd settings (``repeats =
2**63 - 1``) give an estimate, never an overflow.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

__all__ = ["TooLarge", "Estimate", "available_memory", "free_disk", "format_bytes", "estimate",
           "check_plan", "check_allocation", "check_sizes"]

#: The random counter holds the repetition k, the input index t and the neuron
#: slot in 32-bit words (kernels/rng), so each must stay below this.
COUNTER_LIMIT = 2 ** 32


class TooLarge(MemoryError, ValueError):
    """A setting asks for more memory than is available: a :class:`MemoryError` raised
    before allocating, and a :class:`ValueError` (the setting is too large for this machine)."""


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation now, or None if unknown.

    ``MemAvailable`` of ``/proc/meminfo`` (Linux: free memory plus reclaimable
    caches), else ``os.sysconf('SC_AVPHYS_PAGES')`` pages.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def free_disk(path) -> int | None:
    """Free bytes on the file system that holds ``path`` (or would: its folder), or None."""
    folder = os.path.dirname(os.path.abspath(os.fspath(path))) or "."
    while folder and not os.path.isdir(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    try:
        return int(shutil.disk_usage(folder).free)
    except OSError:
        return None


def format_bytes(n: float) -> str:
    """``2.4 TB``: decimal units, three significant digits."""
    n = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB", "EB", "ZB"):
        if n < 999.5 or unit == "ZB":
            break
        n /= 1000.0
    if unit == "bytes":
        return f"{int(n)} bytes"
    if n >= 1e6:  # beyond zettabytes
        return f"{n:.2g} {unit}"
    return f"{n:.3g} {unit}"


@dataclass
class Estimate:
    """What a run needs: ``memory`` and ``disk`` in bytes, and their largest parts.

    ``memory_parts``/``disk_parts`` are (what, bytes, setting to lower) tuples.
    """

    memory: int = 0
    disk: int = 0
    memory_parts: list = field(default_factory=list)
    disk_parts: list = field(default_factory=list)

    def add_memory(self, what: str, nbytes: int, lower: str) -> None:
        self.memory += int(nbytes)
        self.memory_parts.append((what, int(nbytes), lower))

    def add_disk(self, what: str, nbytes: int, lower: str) -> None:
        self.disk += int(nbytes)
        self.disk_parts.append((what, int(nbytes), lower))


_KEEP_LEVER = "the number of inputs (or write a store with keep=False)"


def _threads(threads) -> int:
    if threads is not None:
        return int(threads)
    try:
        import numba

        return int(numba.get_num_threads())
    except Exception:  # pragma: no cover - numba is a dependency
        return os.cpu_count() or 1


def _add_reducers(est: Estimate, label: str, n: int, K: int, S: int, L: int, bins: int,
                  classify: bool, lever: str) -> None:
    """The memory of the optional reducers' arrays for ``n`` inputs (``label`` formats
    their name: "block {}" or "{} in memory"; ``lever`` is the setting that scales n)."""
    if S:
        est.add_memory(f"{label.format('samples')}: {n} inputs × {K} repeats × {S} neurons",
                       n * K * S * 8, f"repeats, samples or {lever}")
    if bins:
        est.add_memory(f"{label.format('histograms')}: {n} inputs × {L} layers × {bins} bins",
                       n * L * bins * 8, f"histogram bins or {lever}")
    if classify:
        est.add_memory(f"{label.format('classes')}: {n} inputs × {K} repeats", n * K * 4,
                       f"repeats or {lever}")


def estimate(pl, keep: bool = True, store: bool = False, threads: int | None = None,
             copies: int = 2, keep_lever: str = _KEEP_LEVER) -> Estimate:
    """Peak memory and store size of the run of Plan ``pl``.

    Parameters
    ----------
    pl : fastnoise.simulate.Plan
    keep : bool
        The whole results are gathered in memory (``simulate(keep=True)``, a
        sweep point on its worker); ``copies`` of them live at once (the
        gathered arrays and the per-layer arrays of the Result).
    store : bool
        The run is written into a store (adds its size on disk).
    keep_lever : str
        The setting to lower when the whole results in memory are the largest part.
    threads : int, optional
        Numba threads (default: the current count).
    """
    T, K = int(pl.n_inputs), int(pl.repeats)
    widths = [int(w) for w in pl.net.widths]
    total, L, max_w = sum(widths), len(widths), max(widths)
    S = int(len(pl.s_layer))
    bins = int(pl.hist[2]) + 2 if pl.hist is not None else 0
    B = min(int(pl.block), T)
    item = 4 if pl.precision == "float32" else 8
    par = max(1, min(B, _threads(threads)))
    est = Estimate()
    est.add_memory(f"noise buffers of {par} thread(s): 2 × {K} repeats × {max_w} neurons × "
                   f"{item} bytes each", par * 2 * K * max_w * item, "repeats or the layer widths")
    est.add_memory(f"block results: 4 arrays of {B} inputs × {total} neurons",
                   4 * B * total * 8, "block")
    _add_reducers(est, "block {}", B, K, S, L, bins, pl.classify, "block")
    if keep:
        c = int(copies)
        est.add_memory(f"results in memory: {c} × 4 arrays of {T} inputs × {total} neurons",
                       c * 4 * T * total * 8, keep_lever)
        _add_reducers(est, "{} in memory", T, K, S, L, bins, pl.classify, "the number of inputs")
    if store:
        n_weights = sum(a * b + a for a, b in zip(widths[1:], widths[:-1]))
        est.add_disk(f"means, variances and noiseless states: 4 × {T} inputs × {total} neurons",
                     4 * T * total * 8 + T * widths[0] * 8 + T, "the number of inputs")
        if S:
            est.add_disk(f"samples: {T} inputs × {K} repeats × {S} neurons", T * K * S * 8,
                         "repeats, samples or the number of inputs")
        if bins:
            est.add_disk(f"histograms: {T} inputs × {L} layers × {bins} bins", T * L * bins * 8,
                         "histogram bins or the number of inputs")
        if pl.classify:
            est.add_disk(f"classes: {T} inputs × {K} repeats", T * K * 4 + T * 8,
                         "repeats or the number of inputs")
        est.add_disk("network and axes", 8 * (n_weights + T + total + K + S + bins + L) + 65536,
                     "the layer widths")
    return est


def _largest(parts):
    return max(parts, key=lambda p: p[1])


def _subject(pl) -> str:
    """The run in a few words, for messages."""
    widths = "-".join(str(int(w)) for w in pl.net.widths)
    return f"{pl.n_inputs} inputs × {pl.repeats} repeats through widths {widths}"


def memory_error(what: str, need: int, parts, available: int) -> TooLarge:
    """The one-line refusal of a run that does not fit in memory."""
    part = _largest(parts)
    return TooLarge(f"{what} needs about {format_bytes(need)} of memory ({part[0]}: "
                       f"{format_bytes(part[1])}); {format_bytes(available)} available — lower "
                       f"{part[2]}")


def check_plan(pl, keep: bool = True, store=None, threads: int | None = None,
               copies: int = 2, what: str | None = None, keep_lever: str = _KEEP_LEVER) -> Estimate:
    """Refuse the run of ``pl`` if it cannot fit in memory or (with ``store``) on disk.

    ``store`` is the store's path (its folder's free space is checked), or
    None.  Returns the :class:`Estimate`; raises :class:`TooLarge` (memory)
    or :class:`OSError` (disk) with one line that gives the estimate, what is
    available and the setting to lower.
    """
    est = estimate(pl, keep=keep, store=store is not None, threads=threads, copies=copies,
                   keep_lever=keep_lever)
    what = what or f"this run ({_subject(pl)})"
    avail = available_memory()
    if avail is not None and est.memory > avail:
        raise memory_error(what, est.memory, est.memory_parts, avail)
    if store is not None:
        check_disk(what, est.disk, est.disk_parts, store)
    return est


def check_disk(what: str, need: int, parts, path) -> None:
    """Refuse a store of ``need`` bytes at ``path`` that does not fit in the free space."""
    free = free_disk(path)
    if free is not None and need > free:
        part = _largest(parts)
        folder = os.path.dirname(os.path.abspath(os.fspath(path)))
        raise OSError(f"the store of {what} needs about {format_bytes(need)} on disk ({part[0]}: "
                      f"{format_bytes(part[1])}); {format_bytes(free)} free in {folder} — lower "
                      f"{part[2]}, or write it elsewhere")


def check_allocation(nbytes: int, what: str, lower: str) -> None:
    """Refuse to allocate ``nbytes`` for ``what`` when more than the available memory.

    ``what`` names the array and its shape (``"the weights of widths
    [1, 100000000, 100000000, 1] (2 × 1e16 values)"``), ``lower`` the setting to lower.
    """
    avail = available_memory()
    if avail is not None and int(nbytes) > avail:
        raise TooLarge(f"{what} need about {format_bytes(nbytes)} of memory; "
                          f"{format_bytes(avail)} available — lower {lower}")


def check_sizes(n_inputs: int, repeats: int, widths) -> None:
    """Refuse sizes beyond the random counter's 32-bit words (see :data:`COUNTER_LIMIT`)."""
    if int(repeats) >= COUNTER_LIMIT:
        raise ValueError(f"repeats must be an integer in [2, 2**32), got {repeats} (the random "
                         "counter holds the repetition in 32 bits)")
    if int(n_inputs) > COUNTER_LIMIT:
        raise ValueError(f"a run takes at most 2**32 inputs (the random counter holds the input "
                         f"index in 32 bits), got {n_inputs}; split them into several runs "
                         "(stream = 1, 2, ...)")
    if max(int(w) for w in widths) >= COUNTER_LIMIT:
        raise ValueError(f"layer widths must be < 2**32 (the random counter holds the neuron in "
                         f"32 bits), got {max(int(w) for w in widths)}")
