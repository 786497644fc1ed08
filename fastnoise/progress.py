"""A dependency-free progress bar: items done, rate, ETA (to stderr)."""

from __future__ import annotations

import sys
import time


def _fmt_time(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "--:--"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Report ``done/total`` with rate and ETA.

    On a terminal the line is redrawn in place; otherwise a line is printed at
    most every ``interval`` seconds and at the end.
    """

    def __init__(self, total: int, label: str = "inputs", stream=None, interval: float = 2.0):
        self.total = int(total)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = interval if not self.tty else 0.1
        self.start = time.perf_counter()
        self.done = 0
        self.first = 0
        self._last = 0.0
        self._rate_t0 = None  # updates work with or without begin()
        self._rate_n0 = 0

    def begin(self, already_done: int = 0) -> None:
        self.done = self.first = int(already_done)
        self.start = time.perf_counter()
        self._rate_t0 = None  # the rate is measured from the first update on,
        self._rate_n0 = self.done  # so that one-off start-up (JIT) is excluded
        self._draw(force=True)

    def update(self, n: int) -> None:
        self.done += int(n)
        if self._rate_t0 is None:
            self._rate_t0 = time.perf_counter()
            self._rate_n0 = self.done
        self._draw(force=self.done >= self.total)

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        elapsed = now - self.start
        t0 = self._rate_t0
        new = self.done - self._rate_n0
        if t0 is not None and now > t0 and new > 0:
            rate = new / (now - t0)
        elif self.done >= self.total and elapsed > 0:
            rate = (self.done - self.first) / elapsed
        else:
            rate = 0.0
        eta = (self.total - self.done) / rate if rate else float("nan")
        width = 24
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * int(frac * width) + "." * (width - int(frac * width))
        rate_text = f"{rate:,.0f}" if rate >= 10 else f"{rate:.2g}"
        line = (f"[{bar}] {self.done}/{self.total} {self.label} | {rate_text} {self.label}/s | "
                f"elapsed {_fmt_time(elapsed)} | ETA {_fmt_time(eta)}")
        if self.tty:
            self.stream.write("\r" + line)
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
