"""Runs in a store: find, reuse, open (new or resumed) and verify the run of a
:class:`~fastnoise.engine.planning.Plan`, and check beforehand that it fits."""

from __future__ import annotations

import os

from ..resources import check_plan
from .planning import Plan
from .provenance import config_diff

__all__ = ["stored_run", "reusable_run", "reuse_run", "verify_stored", "check_resources", "open_run"]


def stored_run(path, config: dict, name: str | None = None):
    """The run of ``config`` in the store at ``path``: ``(name, complete)``, or ``(None, False)``.

    With ``name``, only that run is looked at; otherwise the last run whose
    configuration equals ``config`` (same :func:`~fastnoise.io.store.config_hash`).
    """
    from ..io.store import Store, config_hash

    h = config_hash(config)
    with Store(path, "r") as st:
        names = st.runs()
        candidates = [name] if name is not None else names[::-1]
        for nm in candidates:
            if nm in names:
                r = st.run(nm)
                if r.config_hash == h:
                    return nm, r.status == "complete" and bool(r.done.all())
    return None, False


def reusable_run(path, config: dict, run: str | None = None, *, label: str | None = None,
                 overwrite: str = "overwrite=True", resume: str = "resume=True") -> str:
    """The name of the complete run of ``config`` in the existing store at ``path``.

    For ``simulate`` into an existing path without overwrite or resume: such a
    run is read back as it is (the same bits a recomputation would give).

    Raises
    ------
    FileExistsError
        ``path`` is not a readable store, holds no run of ``config``, or holds it
        unfinished; the message names the fix with the ``overwrite``/``resume``
        spellings given (Python arguments by default, CLI flags from the CLI).
    """
    from ..io.errors import StoreError
    from ..io.lock import refuse_if_written

    label = label or str(path)
    refuse_if_written(path)  # a store being written is busy, not unreadable
    try:
        name, complete = stored_run(path, config, run)
    except StoreError as exc:
        raise FileExistsError(f"{label} exists and is not a fastnoise store we can read ({exc}); "
                              f"pass {overwrite} to replace it, or choose another path") from None
    if name is None:
        raise FileExistsError(f"{label} exists and holds no run of this configuration; pass "
                              f"{overwrite} to replace it, or choose another path")
    if not complete:
        raise FileExistsError(f"{label} holds this run ({name!r}) unfinished; pass {resume} to "
                              f"complete it, or {overwrite} to start again")
    return name


def reuse_run(path: str, run: str | None, pl: Plan, keep: bool):
    """``simulate`` into an existing store without overwrite/resume (see :func:`reusable_run`)."""
    from ..io.store import Store

    name = reusable_run(path, pl.config, run)
    if not keep:
        return None
    with Store(path, "r") as st:
        res = st.run(name).to_result()
    res.config = pl.config
    return res


def verify_stored(path, name: str, config: dict) -> None:
    """Check that the file at ``path`` now holds run ``name`` of ``config``, complete.

    Called after a run is written and its store closed, so that success is
    never reported for results that are not in the store (a file replaced or
    removed behind the run's back).

    Raises
    ------
    StoreError
        The run is missing, differs, or is not complete.
    """
    from ..io.errors import StoreError

    try:
        found, complete = stored_run(path, config, name)
    except (OSError, ValueError) as exc:
        raise StoreError(f"the results of run {name!r} could not be read back from {path} "
                         f"({exc}); was the file changed by another program?") from None
    if found is None or not complete:
        raise StoreError(f"{path} does not hold the finished run {name!r} after writing it; was "
                         "the file replaced or changed by another program? Run again")


def check_resources(pl: Plan, store, keep: bool, resume: bool, threads) -> None:
    """Refuse a run whose memory (or new store) cannot fit, before a store is opened."""
    if store is None:
        path = None
    elif isinstance(store, (str, os.PathLike)):
        path = os.fspath(store)
        if resume and os.path.exists(path):
            path = None  # its datasets are on disk already
    else:
        path = store.path  # an open Store: a new run grows it
    check_plan(pl, keep=keep, store=path, threads=threads)


def open_run(store, run, pl: Plan, overwrite, resume):
    """Return (store, run, whether we opened the store) for ``simulate``."""
    from ..io.errors import StoreError
    from ..io.store import Store, config_hash

    if store is None:
        return None, None, False
    if isinstance(store, Store):
        st, own = store, False
    else:
        path = os.fspath(store)
        exists = os.path.exists(path)
        if exists and resume:
            st = Store(path, "a")
        elif exists and not overwrite:
            # the file appeared after simulate() looked (another writer was faster): say what
            # it is, as for a file that was there before (being written, another run, ...)
            reusable_run(path, pl.config, run)
            raise FileExistsError(f"{path} appeared while this run started and holds it, complete; "
                                  "run again to read it back, or pass overwrite=True to replace it")
        else:
            st = Store(path, "w" if exists else "x")
        own = True
    try:
        if resume and st.runs():
            name = run or st.runs()[-1]
            r = st.run(name)
            if r.config_hash != config_hash(pl.config):
                raise StoreError(f"run {name!r} in {st.path} was made with a different configuration "
                                 f"({config_diff(r.config, pl.config)}); resume with the same config, "
                                 "or start a new store")
            return st, r, own
        name = run or st.next_run_name()
        return st, pl.create_run(st, name), own
    except BaseException:
        if own:
            st.discard()  # a store that failed while being laid out never appears
        raise
