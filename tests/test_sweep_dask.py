"""Sweeps on real Dask clusters: local, external scheduler/worker processes, faults.

Every comparison is bitwise, dataset by dataset: the same sweep must give the
same store whatever the cluster, the worker layout, killed clients or killed
workers.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

import fastnoise as fn
from fastnoise.sweep import load_sweep, run_sweep
from checks import leftovers  # noqa: E402

pytest.importorskip("distributed")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BASE = """
repeats = 20
seed = 3

[network]
kind = "symmetric"
widths = [1, 12, 12, 1]
alpha = 4.0

[noise]
additive = 1e-4
additive_correlated = 1e-4
multiplicative = 1e-3
multiplicative_correlated = 1e-3

[inputs]
kind = "linspace"
start = 0.0
stop = 1.0
count = 30

[output]
samples = [[1, 0]]
histogram = { bins = 10, range = [0.0, 1.0] }
block = 8
"""

SPEC = """
config = "base.toml"

[[axes]]
key = "network.alpha"
values = [1.0, 3.0]

[[axes]]
key = "noise.additive"
logspace = [-5, -3, 2]

[[axes]]
key = "network.widths"
values = [[1, 12, 1], [1, 12, 12, 1]]
"""


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _cli(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "fastnoise.cli", *args], capture_output=True,
                          text=True, env=env or _env(), **kw)


def datasets(path) -> dict:
    """Every dataset of an HDF5 file: name -> (dtype, shape, bytes)."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                out[name] = (str(data.dtype), data.shape, np.asarray(data).tobytes())
        f.visititems(visit)
    return out


def assert_same_store(a, b):
    da, db = datasets(a), datasets(b)
    assert sorted(da) == sorted(db)
    differ = [k for k in da if da[k] != db[k]]
    assert not differ, f"datasets differ: {differ[:5]}"


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    (d / "base.toml").write_text(BASE)
    (d / "spec.toml").write_text(SPEC)
    return d


@pytest.fixture(scope="module")
def reference(spec_dir):
    """The sweep run once, uninterrupted, on a local cluster (2 workers x 1 thread)."""
    out = spec_dir / "reference.h5"
    summary = run_sweep(load_sweep(spec_dir / "spec.toml"), out, workers=2, threads=1)
    assert summary.computed == 8 and summary.already_done == 0
    return out


def test_local_cluster_points_equal_local_simulation(spec_dir, reference):
    sweep = load_sweep(spec_dir / "spec.toml")
    with fn.Store(reference) as st:
        idx = st.sweep_index()
        assert idx.done.all() and idx.n_points == 8
        params = idx.params()
        for i in range(sweep.n_points):
            assert params[i] == sweep.params[i]
            cfg = sweep.point_config(i)
            res = fn.simulate(**cfg.simulate_kwargs(), threads=2)
            run = idx.run(i)
            assert run.status == "complete"
            assert run.config_hash == fn.io.store.config_hash(res.config)
            for n in range(run.n_layers):
                for kind in ("mean", "var", "noiseless_xt", "noiseless_x"):
                    assert getattr(run, kind)(n).tobytes() == getattr(res, kind)[n].tobytes()
            assert run.samples()[0].tobytes() == res.samples[0].tobytes()
            assert np.array_equal(run.histogram()[0], res.histogram[0])
            for k, v in params[i].items():  # parameter values as attributes of the point
                assert np.array_equal(run.group.attrs[k], v)


def test_point_store_equals_fastnoise_simulate_store(spec_dir, reference, tmp_path):
    """A point simulated by 'fastnoise simulate' is bitwise the sweep's point."""
    sweep = load_sweep(spec_dir / "spec.toml")
    i = 5
    point_toml = tmp_path / "point.toml"
    import tomllib  # noqa: F401  (Python ≥ 3.11 in CI; the writer below is minimal)

    data = sweep.point_data(i)
    point_toml.write_text(_to_toml(data))
    out = tmp_path / "point.h5"
    r = _cli("simulate", str(point_toml), "--out", str(out), "--quiet", "--threads", "2")
    assert r.returncode == 0, r.stderr
    local = datasets(out)
    with fn.Store(reference) as st:
        name = st.sweep_index().runs[i]
    swept = {k.split("/", 2)[2]: v for k, v in datasets(reference).items()
             if k.startswith(f"runs/{name}/")}
    local = {k.split("/", 2)[2]: v for k, v in local.items()}
    assert sorted(local) == sorted(swept)
    assert all(local[k] == swept[k] for k in local)


def _to_toml(data: dict) -> str:
    """Just enough TOML writing for a run config (scalars, lists, tables)."""
    def val(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
        return repr(v)

    lines = [f"{k} = {val(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{kk} = {val(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def test_worker_layouts_give_identical_stores(spec_dir, reference, tmp_path):
    out = tmp_path / "one_worker.h5"
    run_sweep(load_sweep(spec_dir / "spec.toml"), out, workers=1, threads=2)
    assert_same_store(reference, out)


def test_external_scheduler_and_worker_processes(spec_dir, reference, tmp_path):
    """'dask scheduler' and 'dask worker' started as separate processes."""
    sched_file = tmp_path / "scheduler.json"
    procs = []
    try:
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(sched_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env()))
        deadline = time.time() + 60
        while not sched_file.exists() and time.time() < deadline:
            time.sleep(0.2)
        assert sched_file.exists(), "the dask scheduler did not start"
        time.sleep(0.3)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", address, "--nworkers", "1", "--nthreads", "1",
             "--no-dashboard", "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env()))
        out = tmp_path / "external.h5"
        r = _cli("sweep", str(spec_dir / "spec.toml"), "--out", str(out), "--scheduler", address,
                 "--quiet", timeout=300)
        assert r.returncode == 0, r.stderr
        assert "computed 8 point(s)" in r.stdout
        # without --threads a point runs with its worker's Dask threads (--nthreads 1)
        assert f"scheduler {address} x 1 Numba thread(s)" in r.stdout
        assert_same_store(reference, out)
        # a scheduler file works as the address too; nothing left to do on resume
        r = _cli("sweep", str(spec_dir / "spec.toml"), "--out", str(out), "--scheduler",
                 str(sched_file), "--resume", "--quiet", timeout=300)
        assert r.returncode == 0, r.stderr
        assert "nothing to compute" in r.stdout
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def test_killed_worker_task_is_retried(spec_dir, reference, tmp_path):
    """kill -9 a worker while points are in flight: Dask reruns its task elsewhere."""
    from distributed import Client, LocalCluster

    out = tmp_path / "worker_killed.h5"
    killed = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        before = client.run(os.getpid)

        def kill_one(i, seconds):
            if not killed:
                pid = sorted(before.values())[0]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        summary = run_sweep(load_sweep(spec_dir / "spec.toml"), out, client=client, threads=1,
                            on_point=kill_one)
        client.wait_for_workers(2, timeout=60)
        after = client.run(os.getpid)
    assert killed and killed[0] not in after.values()  # the nanny started a new worker
    assert summary.computed == 8
    assert_same_store(reference, out)


def test_worker_killed_holding_a_finished_point(spec_dir, reference, tmp_path):
    """kill -9 the worker that holds a finished point the client has not fetched yet:
    the point is lost there, Dask recomputes it, and the sweep completes unchanged."""
    from distributed import Client, LocalCluster

    out = tmp_path / "result_lost.h5"
    killed = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)

        def kill_holder(i, seconds):
            if killed:
                return
            deadline = time.time() + 30
            while time.time() < deadline:  # a worker holding a finished, unfetched point
                held = [(w, k) for w, keys in client.has_what().items() for k in keys
                        if str(k).startswith("fastnoise-")]
                if held:
                    worker, key = held[0]
                    os.kill(pids[worker], signal.SIGKILL)
                    killed.append(worker)
                    while time.time() < deadline:  # until the client knows the result is lost
                        state = client.futures.get(key)
                        if state is None or state.status != "finished":
                            return
                        time.sleep(0.01)
                    return
                time.sleep(0.01)

        summary = run_sweep(load_sweep(spec_dir / "spec.toml"), out, client=client, threads=1,
                            on_point=kill_holder)
    assert killed, "no worker held a finished point"
    assert summary.computed == 8
    assert_same_store(reference, out)


def test_cli_errors_and_info(spec_dir, reference, tmp_path):
    # the same sweep again, complete: reused as it is, the file untouched (issue 13, item 7)
    before = reference.read_bytes()
    r = _cli("sweep", str(spec_dir / "spec.toml"), "--out", str(reference), "-q")
    assert r.returncode == 0, r.stderr
    assert reference.read_bytes() == before
    # another sweep on it, without flags: refused in one line naming the fix
    other = spec_dir / "other_spec.toml"
    other.write_text((spec_dir / "spec.toml").read_text().replace("values = [1.0, 3.0]", "values = [1.0, 2.0]"))
    r = _cli("sweep", str(other), "--out", str(reference))
    assert r.returncode == 2 and "does not hold this sweep" in r.stderr and "--overwrite" in r.stderr
    assert r.stderr.count("\n") == 1
    assert reference.read_bytes() == before
    r = _cli("sweep", str(spec_dir / "spec.toml"), "--out", str(reference), "--resume",
             "--predict")
    assert r.returncode == 2 and "without --predict, now --predict auto" in r.stderr
    r = _cli("sweep", str(spec_dir / "spec.toml"), "--out", str(tmp_path / "x.h5"), "--order", "3")
    assert r.returncode == 2 and "--predict" in r.stderr
    assert not (tmp_path / "x.h5").exists()
    for extra in (["--workers", "2"], ["--dashboard"]):  # local-cluster options, refused
        r = _cli("sweep", str(spec_dir / "spec.toml"), "--out", str(tmp_path / "x.h5"),
                 "--scheduler", "tcp://127.0.0.1:9", *extra)
        assert r.returncode == 2 and extra[0] in r.stderr and r.stderr.count("\n") == 1
        assert not (tmp_path / "x.h5").exists()
    r = _cli("sweep", str(spec_dir / "spec.toml"), "--dry-run")
    assert r.returncode == 0 and "8 points" in r.stdout
    assert "network.widths = [1, 12, 12, 1]" in r.stdout
    r = _cli("info", str(reference))
    assert r.returncode == 0 and "sweep: 8/8 points done" in r.stdout
    r = _cli("info", str(reference), "--json")
    assert json.loads(r.stdout)["sweep"]["done"] == 8
    r = _cli("sweep", "--help")
    assert r.returncode == 0 and "--scheduler" in r.stdout and "127.0.0.1" in r.stdout


def test_resume_with_changed_spec_is_refused(spec_dir, reference, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(SPEC.replace("values = [1.0, 3.0]", "values = [1.0, 3.5]")
                     .replace('config = "base.toml"', f'config = "{spec_dir / "base.toml"}"'))
    r = _cli("sweep", str(other), "--out", str(reference), "--resume")
    assert r.returncode == 2 and "different sweep" in r.stderr
    changed_base = tmp_path / "base.toml"
    changed_base.write_text(BASE.replace("seed = 3", "seed = 4"))
    same_axes = tmp_path / "same.toml"
    same_axes.write_text(SPEC)
    r = _cli("sweep", str(same_axes), "--out", str(reference), "--resume")
    assert r.returncode == 2 and "point 0" in r.stderr and "seed: stored 3, now 4" in r.stderr


def test_predict_side_by_side(spec_dir, tmp_path):
    out = tmp_path / "pred.h5"
    sweep = load_sweep(spec_dir / "spec.toml")
    run_sweep(sweep, out, workers=2, threads=1, predict="gauss", predict_options={"nodes": 40})
    with fn.Store(out) as st:
        idx = st.sweep_index()
        assert idx.predict == {"method": "gauss", "options": {"nodes": 40}}
        for i in (0, 7):
            cfg = sweep.point_config(i)
            pred = fn.predict(cfg.network, cfg.inputs, cfg.noise, method="gauss", nodes=40)
            mean, var, method = idx.run(i).prediction()
            assert method == "gauss"
            for n in range(len(mean)):
                np.testing.assert_array_equal(mean[n], pred.mean[n])
                np.testing.assert_array_equal(var[n], pred.var[n])


KILL_BASE = """
repeats = 250
seed = 5

[network]
kind = "symmetric"
widths = [1, 60, 60, 1]
alpha = 4.0

[noise]
additive = 1e-4
multiplicative = 1e-3

[inputs]
kind = "linspace"
start = 0.0
stop = 1.0
count = 200
"""

KILL_SPEC = """
config = "base.toml"

[[axes]]
key = "network.alpha"
linspace = [1.0, 5.0, 6]

[[axes]]
key = "noise.multiplicative"
logspace = [-4, -2, 4]
"""


def _worker_processes(pid):
    """The Dask worker processes a sweep client has spawned (its nannies' children)."""
    import psutil

    found = []
    for proc in psutil.Process(pid).children(recursive=True):
        try:
            if "spawn_main" in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.Error:
            pass
    return found


@pytest.mark.slow
def test_killed_worker_and_client_at_random_moments_resume_bitwise(tmp_path):
    """kill -9 a worker of a running CLI sweep once, then the client at >= 10 random moments.

    The 24-point sweep takes about 7 s uninterrupted (3-4 s of it start-up; K = 250
    keeps each worker computing well past the 1.5 s of CPU the worker kill waits for),
    so the client kills land in every phase: start-up, laying out the store,
    and between and during point writes; a store found complete after a kill
    is removed, so that the next kills fall on work still to do.  The
    kills go on (12 at least) until one leaves a part-done store, which
    ``--resume`` completes; both final stores must equal the uninterrupted
    one.
    """
    psutil = pytest.importorskip("psutil")
    (tmp_path / "base.toml").write_text(KILL_BASE)
    (tmp_path / "spec.toml").write_text(KILL_SPEC)
    reference = tmp_path / "reference.h5"
    run_sweep(load_sweep(tmp_path / "spec.toml"), reference, workers=2, threads=1)
    out = tmp_path / "killed.h5"
    args = ["sweep", str(tmp_path / "spec.toml"), "--out", str(out), "--resume", "--quiet",
            "--workers", "2", "--threads", "1"]
    rng = random.Random(20261128)

    # 1. one worker killed at a random moment while it computes points; the client carries on.
    # A worker spends about 1.1 s of CPU starting (imports, then idle until it registers) and
    # computes its points from about 1.5 s of CPU on, for 2-3 s: the kill comes 0-0.8 s after
    # the victim passed 1.5 s.  Should the sweep end first, it is run again (3 tries).
    victim = None
    for _ in range(3):
        if out.exists():
            os.remove(out)
        p = subprocess.Popen([sys.executable, "-m", "fastnoise.cli", *args], env=_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 120
            while len(_worker_processes(p.pid)) < 2 and time.time() < deadline and p.poll() is None:
                time.sleep(0.05)
            workers = _worker_processes(p.pid)
            assert len(workers) == 2, "the sweep's local cluster did not start two workers"
            chosen = workers[rng.randrange(2)]
            while p.poll() is None and time.time() < deadline:
                cpu = chosen.cpu_times()
                if cpu.user + cpu.system >= 1.5:
                    break
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.8))
            if p.poll() is None:
                try:
                    chosen.send_signal(signal.SIGKILL)
                except psutil.NoSuchProcess:  # the worker ended on its own first: run again
                    pass
                else:
                    psutil.wait_procs([chosen], timeout=30)
                    victim = chosen
            _, err = p.communicate(timeout=300)
        finally:
            if p.poll() is None:
                p.kill()
        assert p.returncode == 0, err
        if victim is not None:
            break
    assert victim is not None, "the sweep ended before the worker kill three times"
    assert not victim.is_running()
    assert_same_store(reference, out)
    os.remove(out)

    # 2. the client killed at random moments, each time resumed
    kills, done_at_kill = 0, []
    attempts = 0
    while (kills < 12 or not 0 <= done_at_kill[-1] < 24) and attempts < 60:
        attempts += 1
        p = subprocess.Popen([sys.executable, "-m", "fastnoise.cli", *args], env=_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 7.0))
        if p.poll() is not None:  # finished before the kill: start again from scratch
            assert p.returncode == 0
            os.remove(out)
            continue
        p.send_signal(signal.SIGKILL)
        p.wait()
        kills += 1
        if out.exists():  # readable after every kill; finished points are kept
            with fn.Store(out) as st:
                done_at_kill.append(int(st.sweep_index().done.sum()))
            if done_at_kill[-1] == 24:  # killed after the last point:
                os.remove(out)  # start again so that the next kills land on work to do
        else:
            done_at_kill.append(-1)  # killed before the layout was renamed into place
    assert kills >= 10, f"only {kills} kills landed in {attempts} attempts"
    assert 0 <= done_at_kill[-1] < 24, "the last kill left no sweep to resume"
    r = _cli(*args, timeout=300)
    assert r.returncode == 0, r.stderr
    print(f"worker kills survived: 1; client kills survived: {kills}; "
          f"points done at each client kill: {done_at_kill}")
    assert_same_store(reference, out)
    assert not leftovers(out)


def test_local_cluster_listens_on_loopback_only(spec_dir, tmp_path):
    """Scheduler, workers and HTTP endpoints of the default cluster bind 127.0.0.1."""
    import threading

    psutil = pytest.importorskip("psutil")
    seen, stop = set(), threading.Event()

    def watch():
        me = psutil.Process()
        while not stop.is_set():
            for proc in [me] + me.children(recursive=True):
                try:
                    for c in proc.net_connections(kind="inet"):
                        if c.status == psutil.CONN_LISTEN:
                            seen.add(c.laddr.ip)
                except psutil.Error:
                    pass
            time.sleep(0.05)

    before = {c.laddr for c in psutil.Process().net_connections(kind="inet")
              if c.status == psutil.CONN_LISTEN}
    t = threading.Thread(target=watch, daemon=True)
    t.start()
    try:
        run_sweep(load_sweep(spec_dir / "spec.toml"), tmp_path / "loop.h5", workers=2, threads=1)
    finally:
        stop.set()
        t.join()
    assert not before  # nothing was listening in this process beforehand
    assert seen == {"127.0.0.1"}


def test_tls_scheduler_with_security_from_dask_config(spec_dir, reference, tmp_path):
    """--scheduler tls://...: certificates come from Dask's configuration."""
    pytest.importorskip("cryptography")
    from distributed import Client, LocalCluster
    from distributed.security import Security

    sec = Security.temporary()
    files = {}
    for name, pem in (("ca", sec.tls_ca_file), ("cert", sec.tls_client_cert),
                      ("key", sec.tls_client_key)):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text(pem)
    env = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(files["ca"]),
           "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(files["cert"]),
           "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(files["key"]),
           "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True"}
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, protocol="tls://",
                      security=sec, host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        out = tmp_path / "tls.h5"
        r = _cli("sweep", str(spec_dir / "spec.toml"), "--out", str(out), "--scheduler", address,
                 "--threads", "1", "--quiet", timeout=300, env=dict(_env(), **env))
        assert r.returncode == 0, r.stderr
        assert_same_store(reference, out)
        # without the certificates the client cannot connect: one line, no store
        bad = tmp_path / "no_tls.h5"
        r = _cli("sweep", str(spec_dir / "spec.toml"), "--out", str(bad), "--scheduler", address,
                 "--quiet", timeout=300)
        assert r.returncode == 2 and r.stderr.startswith("fastnoise: error:")
        assert r.stderr.count("\n") == 1
        assert not bad.exists() and not leftovers(bad)


def test_failing_point_names_point_and_keeps_finished(spec_dir, tmp_path, monkeypatch):
    """An error on a worker stops the sweep with the point named; done points stay."""
    from distributed import Client, LocalCluster

    sim = sys.modules["fastnoise.simulate"]
    from fastnoise.sweep import SweepError

    real = sim.plan

    def flaky(net, *args, **kw):  # fails for one point, on the worker only
        import threading

        on_worker = not threading.current_thread() is threading.main_thread()
        if on_worker and tuple(net.widths) == (1, 12, 12, 1) and net.packed["act_param"][1] == 3.0:
            raise FloatingPointError("injected failure")
        return real(net, *args, **kw)

    monkeypatch.setattr(sim, "plan", flaky)
    out = tmp_path / "fail.h5"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
        with pytest.raises(SweepError, match=r"^point 5 \(network.alpha = 3.0, noise.additive = "
                                             r"1e-05, network.widths = \[1, 12, 12, 1\]\) failed "
                                             r"on a worker: FloatingPointError: injected failure"):
            run_sweep(load_sweep(spec_dir / "spec.toml"), out, client=client, threads=1)
    with fn.Store(out) as st:
        done = st.sweep_index().done
    assert not done[5] and not done[7] and done.sum() >= 1


def test_layout_progress_and_failure_leave_no_partial_store(spec_dir, tmp_path, monkeypatch,
                                                            capsys):
    """Laying out the store: a progress bar for large sweeps; a failure leaves nothing."""
    import fastnoise.io.sweep_index as sweep_index
    from fastnoise.sweep import runner

    sweep = load_sweep(spec_dir / "spec.toml")
    monkeypatch.setattr(runner, "_LAYOUT_BAR_FROM", 1)
    out = tmp_path / "laid_out.h5"
    runner._create(sweep, str(out), False, None, True)
    assert "8/8 points laid out" in capsys.readouterr().err
    with fn.Store(out) as st:
        idx = st.sweep_index()
        assert idx.n_points == 8 and not idx.done.any()

    def broken(*args, **kw):
        raise OSError("disk full")

    monkeypatch.setattr(sweep_index, "create_sweep_index", broken)
    bad = tmp_path / "broken.h5"
    with pytest.raises(OSError, match="disk full"):
        runner._create(sweep, str(bad), False, None, False)
    assert not bad.exists() and not leftovers(bad)
    # --overwrite of an existing store that fails while laid out keeps the old store
    before = out.read_bytes()
    with pytest.raises(OSError, match="disk full"):
        runner._create(sweep, str(out), True, None, False)
    assert out.read_bytes() == before


def test_points_default_to_their_workers_dask_threads(spec_dir, reference, tmp_path):
    """With a given client and no threads, a point uses its worker's Dask thread count."""
    from distributed import Client, LocalCluster

    from fastnoise.sweep.task import _worker_threads

    assert _worker_threads() is None  # not on a worker: Numba's default
    out = tmp_path / "two_threads.h5"
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        summary = run_sweep(load_sweep(spec_dir / "spec.toml"), out, client=client)
    assert summary.threads == 2 and summary.computed == 8
    assert_same_store(reference, out)
