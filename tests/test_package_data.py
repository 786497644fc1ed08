"""The trained networks A, B, C ship inside the package (issue 13.8).

``pip install .`` must give a fastnoise whose ``fastnoise paper`` finds them
from any directory, not only from the clone's root.  The wheel is built from
the source tree of the fastnoise being tested, installed into a temporary
folder, and run from another one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import fastnoise as fn

SOURCE = Path(fn.__file__).resolve().parent.parent   # the tree of the fastnoise under test
NETWORKS = {f"fastnoise/paper/networks/{n}.h5" for n in "ABC"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel, site folder): fastnoise built from SOURCE and installed with pip --target."""
    tmp = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(SOURCE), "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(tmp / "dist")],
                           capture_output=True, text=True, cwd=tmp, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp / "dist").glob("fastnoise-*.whl"))
    site = tmp / "site"
    inst = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                           str(site), str(wheel)], capture_output=True, text=True, timeout=300)
    assert inst.returncode == 0, inst.stderr
    return wheel, site


def test_wheel_holds_the_trained_networks(installed):
    wheel, site = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert NETWORKS <= names, sorted(n for n in names if n.endswith(".h5"))
    for name in NETWORKS:
        assert (site / name).stat().st_size > 100_000


@pytest.mark.slow
def test_paper_finds_the_networks_from_any_directory(installed, tmp_path):
    data = Path(os.environ.get("FASTNOISE_DATA") or SOURCE.parent / "shared" / "data")
    if not (data / "mnist").is_dir() or not (data / "fashion-mnist").is_dir():
        pytest.skip("MNIST / Fashion-MNIST not available (set FASTNOISE_DATA)")
    _, site = installed
    env = dict(os.environ, PYTHONPATH=str(site))
    where = subprocess.run([sys.executable, "-c", "import fastnoise; print(fastnoise.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env)
    assert Path(where.stdout.strip()).is_relative_to(site)  # the installed copy, not the clone
    run = subprocess.run([sys.executable, "-m", "fastnoise", "paper", "fig5", "--out", "out",
                          "--quick", "--no-plots", "--quiet", "--data", str(data)],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "fig5_a.csv").is_file() and (tmp_path / "out" / "trained.h5").is_file()
