"""Results stay bitwise identical to those of commit 767c6fb.

``tests/data/bitwise_digests.json`` holds SHA-256 digests of the stores of six
settings (``tests/scripts/bitwise_digests.py``: the paper's Fig. 3, per-layer
noise with samples and histograms, a random dense network, networks A, B and
C) in both precisions, made at 767c6fb, with the fingerprint of the machine
that made them (LLVM host CPU, OpenBLAS core type, library versions): the
bits of a floating-point run depend on those.  On a machine with the same
fingerprint the digests are compared directly.  On another machine the
baseline is remade from the repository's own history: 767c6fb is exported
with ``git archive`` and the same script runs on it in a subprocess, so the
check never depends on where the fixture was made.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "scripts"))

from bitwise_digests import digests  # noqa: E402
from fingerprint import fingerprint  # noqa: E402

pytestmark = pytest.mark.slow

_REPO = Path(__file__).resolve().parent.parent
_FIXTURE = Path(__file__).parent / "data" / "bitwise_digests.json"


def _data_dir() -> Path:
    env = os.environ.get("FASTNOISE_DATA")
    root = Path(env) if env else _REPO.parent / "shared" / "data"
    if not (root / "mnist").is_dir():
        if env:
            pytest.fail(f"FASTNOISE_DATA={env} holds no mnist/ folder")
        pytest.skip("datasets not available: FASTNOISE_DATA is unset and ../shared/data is missing")
    return root


def _networks_dir() -> Path:
    """Where this checkout keeps the trained networks A, B and C (package data)."""
    from fastnoise.paper.figures import default_networks

    return Path(default_networks())


def _baseline_from_history(commit: str, data: Path, tmp: Path) -> dict:
    """Digests made by the code of ``commit``, exported from this repository's history."""
    if shutil.which("git") is None or not (_REPO / ".git").exists():
        pytest.skip("the fixture's machine differs from this one and no git history is at hand")
    tar = tmp / "base.tar"
    probe = subprocess.run(["git", "-C", str(_REPO), "cat-file", "-e", f"{commit}^{{commit}}"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"the fixture's machine differs from this one and commit {commit[:7]} is not in "
                    "this clone's history (shallow clone?)")
    subprocess.run(["git", "-C", str(_REPO), "archive", "-o", str(tar), commit], check=True)
    base = tmp / "base"
    with tarfile.open(tar) as t:
        t.extractall(base, filter="data")
    env = dict(os.environ, PYTHONPATH=str(base), NUMBA_CACHE_DIR=str(tmp / "numba-cache"))
    out = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "scripts" / "bitwise_digests.py"),
         "--networks", str(base / "examples" / "networks"), "--data", str(data)],
        cwd=base, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def test_stores_bitwise_identical_to_767c6fb(tmp_path):
    fixture = json.loads(_FIXTURE.read_text())
    data = _data_dir()
    if fixture["fingerprint"] == fingerprint():
        expected = fixture["digests"]
    else:
        expected = _baseline_from_history(fixture["commit"], data, tmp_path)
    got = digests(str(_networks_dir()), str(data))
    assert sorted(got) == sorted(expected)
    changed = [k for k in sorted(got) if got[k] != expected[k]]
    assert not changed, f"results changed bitwise for {changed}"
