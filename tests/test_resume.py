"""Interrupting and resuming store runs.

The store's crash-safety design (``fastnoise/io/store.py``): datasets are
allocated and flushed when a run is created, a block writes raw data, is
flushed, and only then sets its ``done`` flags; a new store is built under
``<path>.partial`` and renamed into place.  So a run stopped at any moment —
Ctrl-C or SIGKILL — leaves a readable store, and ``resume=True`` completes it
into a store that is bitwise equal to an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

import fastnoise as fn
from fastnoise.io.errors import StoreError
from checks import leftovers, partials  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "scripts", "sim_worker.py")
ROOT = os.path.dirname(HERE)

_spec = importlib.util.spec_from_file_location("_fn_sim_worker", WORKER)
worker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worker)

#: attributes that legitimately differ between two runs of one configuration
VOLATILE_ATTRS = {"created"}
#: HDF5 dimension-scale bookkeeping (object references); compared via dims instead
REF_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST"}


# -- helpers -------------------------------------------------------------------
def _attr_key(value):
    a = np.asarray(value)
    return type(value).__name__, a.dtype.str, a.shape, a.tobytes()


def dump_store(path, run: str = "run0") -> dict:
    """Everything in the file's root attributes and in ``runs/<run>``:
    datasets (dtype, shape, bytes, attached dimension scales) and attributes,
    except the ``created`` timestamp of the run."""
    out = {}
    with h5py.File(path, "r") as f:
        for a, v in f.attrs.items():
            out[f"/@{a}"] = _attr_key(v)
        g = f["runs"][run]

        def add(name, obj):
            for a, v in obj.attrs.items():
                if a in REF_ATTRS or (obj.name == g.name and a in VOLATILE_ATTRS):
                    continue
                out[f"{name}@{a}"] = _attr_key(v)
            if isinstance(obj, h5py.Dataset):
                dims = tuple(tuple(obj.dims[i].keys()) for i in range(obj.ndim))
                out[name] = (obj.dtype.str, obj.shape, obj[()].tobytes(), dims)

        add(".", g)
        g.visititems(add)
    return out


def assert_stores_equal(a, b, run: str = "run0") -> None:
    da, db = dump_store(a, run), dump_store(b, run)
    assert sorted(da) == sorted(db), set(da) ^ set(db)
    differ = [k for k in da if da[k] != db[k]]
    assert not differ, f"store items differ: {differ}"


def result_equal(r1, r2) -> None:
    a, b = worker.result_arrays(r1), worker.result_arrays(r2)
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) and a[k].tobytes() == b[k].tobytes(), k


def sha256(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def sym_kw():
    """The symmetric 1-20-20-1 workload with every optional dataset."""
    return dict(worker.workload("sym"), samples=[(1, 0), (2, 19), (3, 0)],
                histogram={"bins": 12, "range": (-0.5, 1.5)})


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted store run of ``sym_kw()`` and its in-memory result."""
    path = tmp_path_factory.mktemp("ref") / "ref.h5"
    res = fn.simulate(**sym_kw(), store=path, block=8)
    return path, res


class Interrupt:
    """Progress callback that raises KeyboardInterrupt once ``at`` inputs are done."""

    def __init__(self, at=None):
        self.at = at
        self.calls = []

    def __call__(self, done, total):
        self.calls.append((done, total))
        if self.at is not None and done >= self.at:
            raise KeyboardInterrupt


# -- (a) interrupt via the progress callback, then resume ------------------------
@pytest.mark.parametrize("at, block, resume_block", [
    (40, 8, 8),    # after 5 blocks, resumed with the same block size
    (0, 8, 8),     # in the first progress report, before any block
    (24, 8, 5),    # resumed with another block size (partly done blocks are redone)
    (97, 8, 8),    # after the last block, before the status is set
])
def test_interrupt_then_resume_equals_uninterrupted(tmp_path, reference, at, block, resume_block):
    ref_path, ref_res = reference
    path = tmp_path / "run.h5"
    T = len(sym_kw()["inputs"])
    with pytest.raises(KeyboardInterrupt):
        fn.simulate(**sym_kw(), store=path, block=block, progress=Interrupt(at))
    assert path.exists() and not leftovers(path)

    # the interrupted store is readable and says exactly what is done
    with fn.Store(path) as s:
        run = s.run()
        assert run.status == "running"
        expected = np.arange(T) < at
        np.testing.assert_array_equal(run.done, expected)
        part = run.to_result()
        for n in range(run.n_layers):
            assert np.array_equal(part.var[n][expected], ref_res.var[n][expected])
            assert np.all(np.isnan(part.var[n][~expected]))

    cb = Interrupt()
    res = fn.simulate(**sym_kw(), store=path, resume=True, block=resume_block, progress=cb)
    assert cb.calls[0] == (at, T)  # resumption starts from what is done
    with fn.Store(path) as s:
        assert s.runs() == ["run0"]  # resumed in place, no new run
        assert s.run().status == "complete"
        assert s.run().done.all()
    assert_stores_equal(path, ref_path)
    result_equal(res, ref_res)


def test_interrupt_twice_then_resume(tmp_path, reference):
    ref_path, ref_res = reference
    path = tmp_path / "run.h5"
    with pytest.raises(KeyboardInterrupt):
        fn.simulate(**sym_kw(), store=path, block=8, progress=Interrupt(16))
    with pytest.raises(KeyboardInterrupt):
        fn.simulate(**sym_kw(), store=path, resume=True, block=8, progress=Interrupt(64))
    with fn.Store(path) as s:
        assert int(s.run().done.sum()) == 64
    res = fn.simulate(**sym_kw(), store=path, resume=True, block=8, keep=True)
    assert_stores_equal(path, ref_path)
    result_equal(res, ref_res)


def test_resume_progress_ends_at_total(tmp_path):
    path = tmp_path / "run.h5"
    T = len(sym_kw()["inputs"])
    with pytest.raises(KeyboardInterrupt):
        fn.simulate(**sym_kw(), store=path, block=8, progress=Interrupt(24))
    cb = Interrupt()
    fn.simulate(**sym_kw(), store=path, resume=True, block=5, progress=cb)
    assert cb.calls[-1] == (T, T), cb.calls[-3:]


def test_resume_complete_run_changes_nothing(tmp_path, reference):
    ref_path, ref_res = reference
    path = tmp_path / "run.h5"
    fn.simulate(**sym_kw(), store=path, block=8)
    before = dump_store(path)
    cb = Interrupt()
    res = fn.simulate(**sym_kw(), store=path, resume=True, progress=cb)
    T = len(sym_kw()["inputs"])
    assert cb.calls == [(T, T)]  # nothing left to compute
    assert dump_store(path) == before
    result_equal(res, ref_res)


def test_resume_without_store_file_starts_fresh(tmp_path, reference):
    ref_path, _ = reference
    path = tmp_path / "new.h5"
    fn.simulate(**sym_kw(), store=path, resume=True, block=8)
    assert_stores_equal(path, ref_path)


def test_resume_through_open_store(tmp_path, reference):
    ref_path, ref_res = reference
    path = tmp_path / "run.h5"
    with pytest.raises(KeyboardInterrupt):
        fn.simulate(**sym_kw(), store=path, block=8, progress=Interrupt(32))
    with fn.Store(path, "a") as s:
        res = fn.simulate(**sym_kw(), store=s, resume=True, run="run0", block=8)
        assert s.runs() == ["run0"]
    assert_stores_equal(path, ref_path)
    result_equal(res, ref_res)


# -- (c) resuming with another configuration is refused --------------------------
def _other_weights():
    net = fn.symmetric([1, 20, 20, 1])
    ws = [w.copy() for w in net.weights[1:]]
    ws[1][3, 4] = np.nextafter(ws[1][3, 4], 1.0)  # one ulp in one weight
    return fn.Network.from_layers(ws, None, net.activations)


CHANGES = {
    "seed": lambda kw: dict(kw, seed=kw["seed"] + 1),
    "noise": lambda kw: dict(kw, noise=fn.Noise(additive=1e-3)),
    "weights": lambda kw: dict(kw, net=_other_weights()),
    "repeats": lambda kw: dict(kw, repeats=65),
    "inputs": lambda kw: dict(kw, inputs=np.linspace(0.0, 1.0, 97) ** 2),
    "stream": lambda kw: dict(kw, stream=3),
    "histogram": lambda kw: dict(kw, histogram={"bins": 13, "range": (-0.5, 1.5)}),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_resume_with_other_config_is_refused(tmp_path, change):
    path = tmp_path / "run.h5"
    with pytest.raises(KeyboardInterrupt):
        fn.simulate(**sym_kw(), store=path, block=8, progress=Interrupt(16))
    digest = sha256(path)
    with pytest.raises(StoreError) as info:
        fn.simulate(**CHANGES[change](sym_kw()), store=path, resume=True, block=8)
    msg = str(info.value)
    assert "\n" not in msg
    assert "different configuration" in msg and "run0" in msg and str(path) in msg
    assert sha256(path) == digest  # file untouched
    assert not leftovers(path)
    # and the right configuration still resumes it
    fn.simulate(**sym_kw(), store=path, resume=True, block=8)
    with fn.Store(path) as s:
        assert s.run().done.all()


def test_resume_refusal_names_what_differs(tmp_path):
    path = tmp_path / "run.h5"
    fn.simulate(**sym_kw(), store=path, block=8)
    kw = sym_kw()
    with pytest.raises(StoreError) as info:
        fn.simulate(**dict(kw, seed=kw["seed"] + 1), store=path, resume=True)
    msg = str(info.value)
    assert "seed" in msg and str(kw["seed"]) in msg and str(kw["seed"] + 1) in msg


# -- (b) SIGKILL at random moments, then resume ----------------------------------
def _start(path, *flags):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, WORKER, "store", "kill", str(path), *flags],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(p, prefix, timeout=60.0):
    """Read the worker's stdout until a line starting with ``prefix``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            raise AssertionError(f"worker ended before {prefix!r}: rc={p.wait()} {p.stderr.read()}")
        if line.startswith(prefix):
            return line
    raise AssertionError(f"no {prefix!r} from worker within {timeout} s")


def _kill(p):
    if p.poll() is None:
        os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    p.stdout.close()
    p.stderr.close()
    return p.returncode


def _check_after_kill(path, ref: dict, done_before: int) -> int:
    """The invariants a kill at any moment must keep; returns the done count."""
    assert not (path.exists() and partials(path)), "both the store and a .partial exist"
    if not path.exists():
        return 0
    with h5py.File(path, "r") as f:  # plain HDF5 readers can open it
        assert f.attrs["fastnoise_format"] == "fastnoise-store"
    with fn.Store(path) as s:  # and so can fastnoise
        run = s.run()
        done = run.done
        kw = worker.workload("kill")
        K = kw["repeats"]
        for n, w in enumerate(run.widths):
            for kind in ("mean", "var", "xt", "x"):
                got = run.group[f"{kind}_{n}"][()][done]
                assert np.all(np.isfinite(got)), f"{kind}_{n} not finite where done"
                assert np.array_equal(got, ref[f"{kind}_{n}"][done]), f"{kind}_{n} wrong where done"
        samples = run.samples()[0][done]
        assert np.all(np.isfinite(samples)) and np.array_equal(samples, ref["samples"][done])
        hist = run.group["hist"][()][done]
        assert np.all(hist.sum(axis=2) == K * np.array(run.widths)), "histogram counts incomplete"
        assert np.array_equal(hist, ref["hist"][done])
    assert int(done.sum()) >= done_before, "done flags went backwards"
    return int(done.sum())


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume(tmp_path):
    # make sure the kernels are in numba's on-disk cache, so that every process
    # below loads the same machine code (a process that compiles the kernel gets
    # other bits, see test_invariance.py::test_compiled_kernel_equals_cached_kernel)
    fn.simulate(fn.symmetric([1, 2, 1]), [0.5], worker.NOISE, repeats=2, samples=[(1, 0)],
                histogram={"bins": 2, "range": (0.0, 1.0)})
    # the uninterrupted reference runs in a fresh process too, like the workers
    # (see test_invariance.py::test_first_call_in_process_equals_later_calls)
    ref_path = tmp_path / "ref.h5"
    p = _start(ref_path)
    _, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr
    with h5py.File(ref_path, "r") as f:
        ref = {k: v[()] for k, v in f["runs/run0"].items() if isinstance(v, h5py.Dataset)}
    T = len(worker.workload("kill")["inputs"])

    path = tmp_path / "sub dir" / "kill.h5"  # a space in the path, for good measure
    path.parent.mkdir()
    rng = np.random.default_rng(20240607)
    done = 0
    log = []

    # 1. very early: the interpreter is still starting, no store exists yet
    p = _start(path)
    time.sleep(rng.uniform(0.0, 0.03))
    _kill(p)
    assert not path.exists()
    done = _check_after_kill(path, ref, done)

    # 2. while the new store is being committed: it is complete under
    #    <path>.partial, the rename has not happened; the user's path is empty
    p = _start(path, "--pause-before-commit")
    _wait_for(p, "committing")
    _kill(p)
    assert partials(path) and not path.exists()
    done = _check_after_kill(path, ref, done)

    # 3. while the store is being created: kill as soon as <path>.partial shows up
    #    (it is typically still being allocated)
    for f in partials(path):
        os.remove(f)
    p = _start(path)
    deadline = time.monotonic() + 60
    while not partials(path) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0002)
    _kill(p)
    log.append(("at .partial", path.exists(), bool(partials(path))))
    done = _check_after_kill(path, ref, done)

    # 4. random moments while blocks are computed and written (resumed each time):
    #    a random time after a random number of blocks, and twice just before a
    #    random h5py flush (a block's data or its done flags written but not flushed)
    for i in range(4):
        slow = i % 2 == 1
        p = _start(path, "--resume", *(["--slow-flush"] if slow else []))
        # a block of this workload takes ~35 ms and writes with two flushes;
        # draw the kill point among the flushes still to come, so a fast machine
        # cannot finish the run before the kill (19 blocks in all)
        blocks_left = -(-(T - done) // worker.workload("kill")["block"])
        assert blocks_left >= 2, log
        if slow:
            what = int(rng.integers(1, min(8, 2 * blocks_left - 1) + 1))
            _wait_for(p, f"flush {what}\n")
        else:
            what = int(rng.integers(1, 4))
            _wait_for(p, "begin")
            for _ in range(what):
                _wait_for(p, "done")
            time.sleep(rng.uniform(0.0, 0.04))  # within about one block
        rc = _kill(p)
        done = _check_after_kill(path, ref, done)
        log.append(("flush" if slow else "blocks", what, rc, done))

    # 5. resume to the end
    p = _start(path, "--resume")
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr
    assert stdout.rstrip().endswith("finished")
    assert not leftovers(path)  # stale partials of killed writers removed, lock file gone
    with fn.Store(path) as s:
        assert s.run().status == "complete" and s.run().done.all()
    assert_stores_equal(path, ref_path)
    print("kills (kind, n, rc, inputs done):", log)
