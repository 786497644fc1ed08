"""The package's imports flow one way (DESIGN.md, "Architecture" and Convention 11).

Every module of ``fastnoise`` is parsed with :mod:`ast`; imports at module level
*and* inside functions count (a lazy import is still a dependency, and is how
cycles were hidden).  Three rules:

(a) **No private names across modules.**  ``from X import _name`` and
    ``X._name`` (``X`` bound to a fastnoise module) are refused when ``X`` is
    another fastnoise module; a module's own names and dunder names
    (``__version__``) are fine.  A private *module* (``importers._keras``,
    ``report._draw``, ``_version``) may be imported only from inside the package
    that owns it (``fastnoise._version`` is owned by ``fastnoise`` itself, so
    any module may read it); its public names are then the package's internal
    interface.

(b) **No import cycle.**  ``import fastnoise.a.b`` is an edge to ``fastnoise.a.b``
    (the parent packages it executes are not counted: every module would
    otherwise cycle through ``fastnoise/__init__``).  ``from P import n`` is an
    edge to ``P.n`` when that is a module, else to ``P``; when ``P`` is a package
    and the importing module lives inside ``P``, the edge goes to the submodule
    ``P/__init__`` takes ``n`` from (a package re-exporting its submodules is an
    edge from the package to them, so a submodule reaching back through its own
    package's ``__init__`` is a dependency on the re-exported submodule, not on
    the package as a whole).

(c) **No upward import.**  Modules are ordered in the layers of DESIGN.md
    (``LAYERS`` below: config → kernels → core types → io → engine → stats →
    analytic → applications); a module imports only from its own layer or the
    layers below.

``tests/`` is out of scope.  Each failure prints every violation found.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fastnoise

ROOT = Path(fastnoise.__file__).resolve().parent
PACKAGE = "fastnoise"

#: Lowest first.  A module belongs to the first entry that names it or one of
#: its parent packages (longest prefix wins).
LAYERS = [
    ("config", ["fastnoise._version", "fastnoise.config", "fastnoise.validation"]),
    ("kernels", ["fastnoise.kernels"]),
    ("core", ["fastnoise.activations", "fastnoise.noise", "fastnoise.resources", "fastnoise.network",
              "fastnoise.progress", "fastnoise.result"]),
    ("io", ["fastnoise.io", "fastnoise.importers"]),
    ("engine", ["fastnoise.simulate", "fastnoise.engine"]),
    ("stats", ["fastnoise.stats"]),
    ("analytic", ["fastnoise.analytic"]),
    # mitigation transforms networks with the help of the engine (noiseless forward) and the
    # analytic layer (activation slopes), as DESIGN.md lists it beside them
    ("application", ["fastnoise", "fastnoise.__main__", "fastnoise.mitigation", "fastnoise.runconfig",
                     "fastnoise.report",
                     "fastnoise.paper", "fastnoise.sweep", "fastnoise.train", "fastnoise.cli"]),
]


def _modules() -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is_package)."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_pkg)
    return out


MODULES = _modules()


def _package_of(mod: str) -> str:
    return mod if MODULES[mod][1] else mod.rpartition(".")[0]


def _resolve(mod: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = _package_of(mod).split(".")
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _owner_may_import(importer: str, target: str) -> bool:
    """Whether ``importer`` may import module ``target`` (private modules stay in their package)."""
    parts = target.split(".")
    for i in range(1, len(parts)):
        if _private(parts[i]):
            owner = ".".join(parts[:i])
            if not (importer == owner or importer.startswith(owner + ".")):
                return False
    return True


class _Imports:
    """Everything one module imports: (line, target module, imported name or None)."""

    def __init__(self, mod: str):
        self.mod = mod
        path, _ = MODULES[mod]
        self.tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        self.imports: list[tuple[int, str, str | None]] = []
        self.bound: dict[str, tuple[str, str]] = {}  # name bound by ``from src import name as bound``
        self.aliases: dict[str, str] = {}  # local name bound to a fastnoise module -> module
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == PACKAGE or a.name.startswith(PACKAGE + "."):
                        self.imports.append((node.lineno, a.name, None))
                        if a.asname:
                            self.aliases[a.asname] = a.name
                        else:
                            self.aliases[a.name.split(".")[0]] = a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                src = _resolve(mod, node)
                if not (src == PACKAGE or src.startswith(PACKAGE + ".")):
                    continue
                for a in node.names:
                    self.imports.append((node.lineno, src, a.name))
                    self.bound.setdefault(a.asname or a.name, (src, a.name))
                    if f"{src}.{a.name}" in MODULES:
                        self.aliases[a.asname or a.name] = f"{src}.{a.name}"


_IMPORTS = {m: _Imports(m) for m in MODULES}


def _dotted(node: ast.AST) -> list[str] | None:
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id] + names[::-1]
    return None


def _reexport_source(pkg: str, name: str, seen=()) -> str:
    """The submodule that package ``pkg``'s ``__init__`` takes ``name`` from, else ``pkg``."""
    if pkg in seen or not MODULES.get(pkg, (None, False))[1]:
        return pkg
    if name not in _IMPORTS[pkg].bound:
        return pkg
    src, imported = _IMPORTS[pkg].bound[name]
    if f"{src}.{imported}" in MODULES:
        return f"{src}.{imported}"
    return _reexport_source(src, imported, seen + (pkg,)) if MODULES.get(src, (None, False))[1] else src


def _edges(mod: str) -> list[tuple[int, str]]:
    out = []
    for line, src, name in _IMPORTS[mod].imports:
        if name is None:
            target = src
        elif f"{src}.{name}" in MODULES:
            target = f"{src}.{name}"
        elif MODULES.get(src, (None, False))[1] and mod.startswith(src + "."):
            target = _reexport_source(src, name)
        else:
            target = src
        if target in MODULES and target != mod:
            out.append((line, target))
    return out


GRAPH = {m: sorted({t for _, t in _edges(m)}) for m in MODULES}


def private_name_violations() -> list[str]:
    found = []
    for mod, imp in _IMPORTS.items():
        path = MODULES[mod][0].relative_to(ROOT.parent)
        for line, src, name in imp.imports:
            if name is None:
                targets = [src]
            elif f"{src}.{name}" in MODULES:
                targets = [f"{src}.{name}"]
            else:
                targets = [src]
                if _private(name) and src != mod:
                    found.append(f"{path}:{line}: from {src} import {name}")
            for t in targets:
                if not _owner_may_import(mod, t):
                    found.append(f"{path}:{line}: imports private module {t} from outside its package")
        for node in ast.walk(imp.tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                chain = _dotted(node)
                if not chain or chain[0] not in imp.aliases:
                    continue
                target = imp.aliases[chain[0]] + "".join("." + c for c in chain[1:-1])
                # walk down to the deepest module named by the chain
                while target not in MODULES and "." in target:
                    target = target.rpartition(".")[0]
                if target in MODULES and target != mod:
                    found.append(f"{path}:{node.lineno}: uses {target}.{node.attr}")
    return sorted(set(found))


def cycles() -> list[list[str]]:
    """One cycle path per strongly connected component of more than one module."""
    index, low, on, stack, comps, counter = {}, {}, set(), [], [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            strong(v)
    out = []
    for comp in comps:
        members = set(comp)
        start = comp[0]
        # breadth-first: the shortest path from start back to start inside the component
        prev, frontier, done = {}, [start], None
        while frontier and done is None:
            nxt = []
            for v in frontier:
                for w in GRAPH[v]:
                    if w not in members:
                        continue
                    if w == start:
                        done = v
                        break
                    if w not in prev:
                        prev[w] = v
                        nxt.append(w)
                if done is not None:
                    break
            frontier = nxt
        path = [done]
        while path[-1] != start:
            path.append(prev[path[-1]])
        out.append(path[::-1] + [start] + ([f"(component: {', '.join(comp)})"] if len(comp) > len(path) else []))
    return out


def _layer(mod: str) -> int:
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (mod == p or mod.startswith(p + ".")) and len(p) > best_len:
                best, best_len = i, len(p)
    assert best is not None, f"{mod} is in no layer of LAYERS"
    return best


def upward_violations() -> list[str]:
    found = []
    for mod in MODULES:
        path = MODULES[mod][0].relative_to(ROOT.parent)
        for line, target in _edges(mod):
            if _layer(target) > _layer(mod):
                found.append(f"{path}:{line}: {mod} ({LAYERS[_layer(mod)][0]}) imports "
                             f"{target} ({LAYERS[_layer(target)][0]})")
    return sorted(set(found))


def _report(title, items):
    text = f"{len(items)} {title}:\n" + "\n".join(f"  {i}" for i in items)
    print(text)
    return text


def test_every_module_has_a_layer():
    for mod in MODULES:
        _layer(mod)


def test_no_private_names_across_modules():
    found = private_name_violations()
    assert not found, _report("imports of another module's private names", found)


def test_no_import_cycles():
    found = [" -> ".join(c) for c in cycles()]
    assert not found, _report("import cycles", found)


def test_no_upward_imports():
    found = upward_violations()
    assert not found, _report("upward imports", found)


def test_rules_catch_violations():
    """The checks themselves see what they are meant to see."""
    assert _private("_x") and not _private("__version__") and not _private("x")
    assert _owner_may_import("fastnoise.importers", "fastnoise.importers._keras")
    assert _owner_may_import("fastnoise.importers._npz", "fastnoise.importers._common")
    assert not _owner_may_import("fastnoise.cli", "fastnoise.importers._keras")
    assert _owner_may_import("fastnoise.cli", "fastnoise._version")
    assert _layer("fastnoise.io.store") < _layer("fastnoise.stats.snr") < _layer("fastnoise.analytic.predict")
    assert _layer("fastnoise.kernels.rng") < _layer("fastnoise.network") < _layer("fastnoise.io.store")
    assert _layer("fastnoise.validation") < _layer("fastnoise.activations")  # a leaf: any layer may use it
    assert _layer("fastnoise.cli") == len(LAYERS) - 1 and _layer("fastnoise") == len(LAYERS) - 1
