"""The text progress bar: counts, rate, ETA, and non-terminal output."""

import io

from fastnoise.progress import Progress, _fmt_time


def test_progress_lines_on_a_pipe():
    out = io.StringIO()
    p = Progress(10, stream=out, interval=0.0)
    p.begin(2)
    p.update(3)
    p.update(5)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[") and "2/10 inputs" in lines[0]
    assert "5/10 inputs" in lines[1]
    assert "10/10 inputs" in lines[-1] and "ETA 00:00" in lines[-1]
    assert "\r" not in out.getvalue()


def test_format_time():
    assert _fmt_time(0) == "00:00"
    assert _fmt_time(61) == "01:01"
    assert _fmt_time(3725) == "1:02:05"
    assert _fmt_time(float("nan")) == "--:--"


def test_progress_updates_without_begin():
    out = io.StringIO()
    p = Progress(4, label="points laid out", stream=out, interval=0.0)
    for _ in range(4):
        p.update(1)
    lines = out.getvalue().splitlines()
    assert "1/4 points laid out" in lines[0] and "4/4 points laid out" in lines[-1]
