"""Simulations behind the figures, kept in HDF5 stores and reused.

Every figure names its simulations as :class:`RunSpec` objects and hands them
to :func:`ensure_runs` with the path of its store in the output folder.  A run
of that name whose configuration hash (:func:`fastnoise.io.store.config_hash`
of :func:`fastnoise.simulate.plan`'s config: network digest, inputs digest,
noise, K, seed, stream, RNG and arithmetic versions) equals the request is
reused without touching the file; an incomplete one is resumed; a run with a
different configuration is refused unless ``overwrite`` is given, and every
check happens before anything is computed.  Because the random stream is
counter-based, a reused run holds bit for bit what a recomputation would give.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..io.errors import StoreError
from ..io.store import Store, config_hash
from ..network import Network

__all__ = ["RunSpec", "ensure_runs", "plan_actions", "ACTIONS"]

#: What :func:`ensure_runs` did with a run.
ACTIONS = ("reused", "resumed", "computed", "replaced")


@dataclass
class RunSpec:
    """One simulation: the arguments of :func:`fastnoise.simulate` and a run name.

    Attributes
    ----------
    name : str
        Run name inside the figure's store.
    net : Network
    inputs : ndarray, (T, I_1)
    noise : Noise or list of Noise
    repeats : int
    seed, stream : int
        RNG key and stream (independent runs of one store use different streams).
    labels : ndarray or None
        True classes (turns on the accuracy reducer).
    samples : list of (layer, neuron) or None
        Neurons whose raw K samples are kept.
    """

    name: str
    net: Network
    inputs: np.ndarray
    noise: Any
    repeats: int
    seed: int = 1
    stream: int = 0
    labels: np.ndarray | None = None
    samples: list | None = None
    _plan: Any = field(default=None, repr=False)

    def plan(self):
        """The validated :class:`fastnoise.simulate.Plan` (cached)."""
        from ..engine.planning import plan

        if self._plan is None:
            self._plan = plan(self.net, self.inputs, self.noise, self.repeats, self.seed,
                              stream=self.stream, samples=self.samples, labels=self.labels)
        return self._plan

    @property
    def config_hash(self) -> str:
        return config_hash(self.plan().config)

    @property
    def work(self) -> float:
        """Relative cost: repetitions × inputs × neurons."""
        return float(self.repeats) * self.inputs.shape[0] * sum(self.net.widths)


def _differs(path: str, name: str, stored: dict, spec: RunSpec) -> str:
    from ..engine.provenance import config_diff

    return (f"{path} holds a run {name!r} made with other settings "
            f"({config_diff(stored, spec.plan().config)}); add --overwrite to replace it "
            "(API overwrite=True), or choose another output folder")


def plan_actions(path, specs, overwrite: bool = False) -> dict:
    """What :func:`ensure_runs` will do with each spec, without computing anything.

    Returns
    -------
    dict
        ``name -> "reused" | "resumed" | "computed" | "replaced"``.

    Raises
    ------
    StoreError
        A stored run differs from its spec and ``overwrite`` is False, or
        ``path`` is not a fastnoise store.
    """
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"run names must be unique, got {names}")
    path = os.fspath(path)
    if not os.path.exists(path):
        return {s.name: "computed" for s in specs}
    actions = {}
    with Store(path, "r") as st:
        stored = set(st.runs())
        for s in specs:
            if s.name not in stored:
                actions[s.name] = "computed"
                continue
            run = st.run(s.name)
            if run.config_hash == s.config_hash:
                actions[s.name] = "reused" if run.done.all() else "resumed"
            elif overwrite:
                actions[s.name] = "replaced"
            else:
                raise StoreError(_differs(path, s.name, run.config, s))
    return actions


def ensure_runs(path, specs, overwrite: bool = False,
                on_run: Callable[[str, str], None] | None = None) -> tuple[dict, dict]:
    """Make sure ``path`` holds every run of ``specs``; return them.

    Parameters
    ----------
    path : str or path-like
        The figure's store (created when missing).
    specs : list of RunSpec
    overwrite : bool
        Replace stored runs whose configuration differs (others are kept:
        an identical run would be recomputed bit for bit).
    on_run : callable, optional
        Called as ``on_run(name, action)`` after each run is ready.

    Returns
    -------
    results : dict
        ``name -> fastnoise.Result`` read back from the store.
    actions : dict
        ``name -> action`` (one of :data:`ACTIONS`).
    """
    from ..io.lock import write_lock

    specs = list(specs)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with write_lock(path):  # one writer: a second paper run on the same folder is refused
        actions = _ensure_locked(path, specs, overwrite, on_run)
    results = {}
    with Store(path, "r") as st:
        for s in specs:
            run = st.run(s.name)
            if run.config_hash != s.config_hash or not run.done.all():  # pragma: no cover
                raise StoreError(f"run {s.name!r} in {path} is not complete after simulating; "
                                 "rerun the command")
            res = run.to_result()
            res.config = run.config
            results[s.name] = res
    return results, actions


def _ensure_locked(path: str, specs, overwrite: bool, on_run) -> dict:
    """:func:`ensure_runs`' computation, with ``path``'s write lock held.

    A run to be replaced is computed under the temporary name ``<name>.new``
    and swapped in only when complete: a run killed meanwhile leaves the old
    run in place (the stale ``.new`` is removed by the next replacement).
    """
    from ..simulate import simulate

    actions = plan_actions(path, specs, overwrite)   # refuses before computing anything
    todo = [s for s in specs if actions[s.name] != "reused"]
    if todo:
        with Store(path, "a") as st:
            runs = st.file["runs"]
            for s in todo:
                action = actions[s.name]
                name = f"{s.name}.new" if action == "replaced" else s.name
                if action == "replaced" and name in runs:
                    del runs[name]
                    st.file.flush()
                simulate(s.net, s.inputs, s.noise, s.repeats, s.seed, store=st, run=name,
                         resume=action == "resumed", stream=s.stream, samples=s.samples,
                         labels=s.labels, keep=False)
                if action == "replaced":
                    del runs[s.name]
                    runs.move(name, s.name)
                    st.file.flush()
                if on_run is not None:
                    on_run(s.name, action)
    for s in specs:
        if actions[s.name] == "reused" and on_run is not None:
            on_run(s.name, "reused")
    return actions
