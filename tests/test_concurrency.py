"""Concurrent writers of one path, and kills during --overwrite (issue 13, item 1).

Real processes: two ``fastnoise simulate`` CLI processes are started together
on the same ``--out`` (fresh, and both with ``--overwrite`` over a complete
store), several trials with fixed seeds.  Whatever the timing, every store left
behind must be complete and bitwise equal to the run of the one process that
reported success, and the other process must be refused with one line (naming
the writer when they overlapped); no partial or lock file may remain.  A
``kill -9`` during ``--overwrite`` must leave the old store byte for byte.

The refusal itself is also checked deterministically for every writing command
(simulate, sweep, paper, train, Network.save): a helper process holds the
path's lock, and each command is refused at once, naming that process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import fastnoise as fn
from checks import leftovers, partials, run_cli  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent / "scripts"))
from bitwise_digests import run_digest  # noqa: E402

pytestmark = pytest.mark.slow

CONFIG = """
repeats = 300
seed = {seed}
[network]
kind = "symmetric"
widths = [1, 200, 200, 1]
alpha = 4.0
[noise]
additive = 1e-4
multiplicative = 1e-3
multiplicative_correlated = 1e-3
[inputs]
kind = "linspace"
count = {count}
"""


def _config(tmp_path, seed, count=600) -> Path:
    path = tmp_path / f"seed{seed}_{count}.toml"
    path.write_text(CONFIG.format(seed=seed, count=count))
    return path


def _reference(tmp_path, seed, count=600) -> str:
    """Digest of the run a lone ``fastnoise simulate`` of that config writes."""
    out = tmp_path / f"ref{seed}_{count}.h5"
    code = subprocess.run([sys.executable, "-m", "fastnoise", "simulate", str(_config(tmp_path, seed, count)),
                           "--out", str(out), "-q"], capture_output=True, text=True)
    assert code.returncode == 0, code.stderr
    return run_digest(out)


def _start(*args):
    return subprocess.Popen([sys.executable, "-m", "fastnoise", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(p):
    out, err = p.communicate(timeout=300)
    return p.returncode, out, err


def _assert_refusal(err: str, rc: int):
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("fastnoise: error: "), err
    assert "Traceback" not in err


class _Refs(dict):
    """Digests of lone runs, made on first use: ``refs[seed]`` (600 inputs) or ``refs[seed, count]``."""

    def __init__(self, folder):
        super().__init__()
        self.folder = folder

    def __missing__(self, key):
        seed, count = key if isinstance(key, tuple) else (key, 600)
        self[key] = _reference(self.folder, seed, count)
        return self[key]


@pytest.fixture(scope="module")
def refs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("refs")
    ref = _Refs(tmp)
    ref[2], ref[3]  # noqa: B018 - made now: the store ref2_600.h5 is used as an old store below
    return tmp, ref


@pytest.mark.parametrize("overwrite", [False, True], ids=["fresh", "overwrite"])
def test_two_writers_same_out_leave_one_correct_store(tmp_path, refs, overwrite):
    ref_dir, ref = refs
    overlapped, trial = 0, 0
    # at least 3 trials, more (up to 8, each with a longer run: on a loaded machine two
    # processes can start seconds apart) until the two processes overlapped once
    while trial < 3 or (overlapped == 0 and trial < 8):
        trial += 1
        count = 600 * 2 ** min(max(trial - 3, 0), 3)
        out = tmp_path / f"out{trial}.h5"
        if overwrite:  # a complete store to be replaced: neither process may leave it corrupt
            os.link(ref_dir / "ref2_600.h5", out)
        flags = ["--overwrite"] if overwrite else []
        procs = {seed: _start("simulate", _config(tmp_path, seed, count), "--out", out, "-q", *flags)
                 for seed in (3, 2)}
        results = {seed: _finish(p) for seed, p in procs.items()}
        winners = [s for s, (rc, _, _) in results.items() if rc == 0]
        assert winners, results
        for seed, (rc, _, err) in results.items():
            if rc != 0:
                _assert_refusal(err, rc)
                other = procs[5 - seed].pid
                if f"being written by process {other}" in err:
                    overlapped += 1
                else:  # the other one had finished: the store holds another run
                    assert "exists and holds no run of this configuration" in err, err
        # both may succeed only one after the other (the second overwrote the first)
        assert len(winners) == 1 or overwrite, results
        assert run_digest(out) in {ref[s, count] for s in winners}
        with fn.Store(out) as st:
            assert st.run().status == "complete" and st.run().done.all()
        assert not leftovers(out)
    assert overlapped >= 1, f"the two processes never overlapped: the workload is too short ({results})"


def test_kill_during_overwrite_keeps_the_old_store(tmp_path, refs):
    ref_dir, ref = refs
    out = tmp_path / "keep.h5"
    out.write_bytes((ref_dir / "ref2_600.h5").read_bytes())
    before = out.read_bytes()
    rng = np.random.default_rng(20261202)
    for _ in range(3):
        p = _start("simulate", _config(tmp_path, 3, 3000), "--out", out, "-q", "--overwrite")
        deadline = time.monotonic() + 120
        while not partials(out) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert p.poll() is None, p.communicate()
        time.sleep(rng.uniform(0.0, 1.0))  # laying out or computing
        os.kill(p.pid, signal.SIGKILL)
        p.communicate(timeout=30)
        assert out.read_bytes() == before  # the old complete store, untouched
    # the next writer removes the killed writers' leftovers and replaces the store
    rc, _, err = _finish(_start("simulate", _config(tmp_path, 3), "--out", out, "-q", "--overwrite"))
    assert rc == 0, err
    assert run_digest(out) == ref[3] and not leftovers(out)


def test_store_replaced_behind_a_run_is_not_reported_as_success(tmp_path):
    """A run never reports success for results that are not in its store."""
    out = tmp_path / "moved.h5"
    other = tmp_path / "other.h5"
    fn.simulate(fn.symmetric([1, 4, 1]), np.linspace(0, 1, 8)[:, None], fn.Noise(additive=1e-3),
                repeats=4, store=other)
    swapped = []

    def progress(done, total):
        if 0 < done < total and not swapped:
            os.replace(other, out)  # another program replaces the file mid-way
            swapped.append(done)

    with pytest.raises(fn.io.errors.StoreError, match="does not hold the finished run"):
        fn.simulate(fn.symmetric([1, 20, 20, 1]), np.linspace(0, 1, 200)[:, None],
                    fn.Noise(additive=1e-3), repeats=8, store=out, block=16, progress=progress)
    assert swapped


# -- every writing command is refused while another process writes the path -----

@pytest.fixture
def holder(tmp_path):
    """A process holding the write lock of a path; yields (path, pid)."""
    procs = []

    def hold(path):
        code = ("import sys, time; from fastnoise.io.lock import write_lock; "
                "l = write_lock(sys.argv[1]); print('locked', flush=True); time.sleep(600)")
        p = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "locked"
        procs.append(p)
        return p.pid

    yield hold
    for p in procs:
        p.kill()
        p.wait()


def _assert_busy(code, err, pid, path):
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert f"being written by process {pid}" in lines[0] and str(path) in lines[0], lines[0]


def test_simulate_refused_while_locked(tmp_path, capsys, holder):
    out = tmp_path / "s.h5"
    pid = holder(out)
    code, _, err = run_cli(capsys, "simulate", _config(tmp_path, 2, 20), "--out", out, "-q")
    _assert_busy(code, err, pid, out)
    assert not out.exists() and not partials(out)
    with pytest.raises(fn.io.errors.StoreBusyError):
        fn.Store(out, "x")


def test_existing_store_being_written_is_busy_not_unreadable(tmp_path, capsys, holder, refs):
    """A complete store at --out that another process is writing: the reuse check says the
    file is being written, not that it is unreadable (found in CI: the first of two writers
    holds the HDF5 file open, and the second's read-only check failed on HDF5's own lock)."""
    ref_dir, _ = refs
    out = tmp_path / "busy.h5"
    out.write_bytes((ref_dir / "ref2_600.h5").read_bytes())
    before = out.read_bytes()
    pid = holder(out)
    code, _, err = run_cli(capsys, "simulate", _config(tmp_path, 2), "--out", out, "-q")
    _assert_busy(code, err, pid, out)
    with pytest.raises(fn.io.errors.StoreBusyError, match=f"process {pid}"):
        fn.simulate(fn.symmetric([1, 3, 1]), np.linspace(0, 1, 4)[:, None], repeats=3, store=out)
    assert out.read_bytes() == before


def test_sweep_refused_while_locked(tmp_path, capsys, holder):
    _config(tmp_path, 2, 10)
    spec = tmp_path / "sweep.toml"
    spec.write_text('config = "seed2_10.toml"\n[[axes]]\nkey = "seed"\nvalues = [1, 2]\n')
    out = tmp_path / "sweep.h5"
    pid = holder(out)
    code, _, err = run_cli(capsys, "sweep", spec, "--out", out, "-q", "--workers", "1")
    _assert_busy(code, err, pid, out)
    assert not out.exists()


def test_train_refused_while_locked_before_training(tmp_path, capsys, holder):
    pytest.importorskip("torch")
    out = tmp_path / "net.h5"
    pid = holder(out)
    start = time.perf_counter()
    code, _, err = run_cli(capsys, "train", "mackey-glass", "--out", out, "--quiet", "--epochs", "1")
    _assert_busy(code, err, pid, out)
    assert time.perf_counter() - start < 30 and not out.exists()


def test_network_save_refused_while_locked_and_atomic(tmp_path, holder):
    net = fn.symmetric([1, 3, 1])
    path = tmp_path / "net.h5"
    pid = holder(path)
    with pytest.raises(fn.io.errors.StoreBusyError, match=f"process {pid}"):
        net.save(path)
    assert not path.exists() and not partials(path)


def test_paper_refused_while_locked(tmp_path, capsys, holder):
    out = tmp_path / "paper"
    out.mkdir()
    pid = holder(out / ".paper")
    code, _, err = run_cli(capsys, "paper", "fig3", "--out", out, "--quick", "--no-plots")
    _assert_busy(code, err, pid, out)
    assert sorted(p.name for p in out.iterdir()) == [".paper.lock"]


def test_file_system_without_locks_warns_and_writes(tmp_path, monkeypatch):
    """Where flock is not supported (some network file systems), writing still works,
    with a warning that concurrent writers are not detected."""
    import errno

    import fastnoise.io.lock as lock

    def no_flock(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(lock.fcntl, "flock", no_flock)
    out = tmp_path / "nolock.h5"
    with pytest.warns(RuntimeWarning, match="does not support file locks"):
        fn.simulate(fn.symmetric([1, 3, 1]), np.linspace(0, 1, 4)[:, None], fn.Noise(additive=1e-3),
                    repeats=3, store=out)
    with fn.Store(out) as st:
        assert st.run().status == "complete"
    assert not leftovers(out)


def test_store_appearing_after_the_existence_check_is_named(tmp_path):
    """A store that another writer creates between simulate()'s existence check and
    the opening of the store gets the same one-line answer as one that was there
    before (deterministic version of the race the two-writer test can hit)."""
    from fastnoise.engine.planning import plan
    from fastnoise.engine.runs import open_run

    net = fn.symmetric([1, 4, 1])
    u = np.linspace(0, 1, 3)
    path = tmp_path / "o.h5"
    fn.simulate(net, u, fn.Noise(additive=1e-3), repeats=3, seed=1, store=path)
    other = plan(net, u, fn.Noise(additive=1e-3), repeats=3, seed=2)
    with pytest.raises(FileExistsError, match="exists and holds no run of this configuration"):
        open_run(str(path), None, other, overwrite=False, resume=False)
    same = plan(net, u, fn.Noise(additive=1e-3), repeats=3, seed=1)
    with pytest.raises(FileExistsError, match="appeared while this run started and holds it, complete"):
        open_run(str(path), None, same, overwrite=False, resume=False)
