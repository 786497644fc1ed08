"""The README's measured numbers come from a script, not from typing (issue 13, item 10).

``benchmarks/readme_numbers.py`` remakes every block of ``README.md`` between
``<!-- readme-numbers:NAME -->`` markers.  These tests check that the README's
blocks and the script's sections are the same set, and that the deterministic
block (the trained networks' noise-free quality) equals a fresh measurement,
character for character.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("readme_numbers", ROOT / "benchmarks" / "readme_numbers.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_marked_block_has_a_section_and_back():
    mod = _script()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(mod.blocks(text)) == set(mod.SECTIONS)
    assert text.count("<!-- readme-numbers:") == len(mod.SECTIONS)  # every marker closed and parsed
    for name, (a, b) in mod.blocks(text).items():
        assert text[a:b].strip(), f"README block {name!r} is empty: run the script with --write"


def test_replace_changes_only_the_block():
    mod = _script()
    text = "before\n<!-- readme-numbers:x -->\nold\n<!-- /readme-numbers:x -->\nafter\n"
    assert mod.replace(text, "x", "new 1\nnew 2") == \
        "before\n<!-- readme-numbers:x -->\nnew 1\nnew 2\n<!-- /readme-numbers:x -->\nafter\n"


def test_networks_block_equals_a_fresh_measurement(monkeypatch):
    data = os.environ.get("FASTNOISE_DATA") or str(ROOT.parent / "shared" / "data")
    if not os.path.isdir(os.path.join(data, "mnist")):
        pytest.skip("datasets not available: FASTNOISE_DATA is unset and ../shared/data is missing")
    monkeypatch.setenv("FASTNOISE_DATA", data)
    mod = _script()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    a, b = mod.blocks(text)["networks"]
    assert text[a:b].rstrip("\n") == mod.networks(data)
