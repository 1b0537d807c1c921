"""The pipeline runs one way (README, "Layout"): the model (sim/, agents/, scenarios/) <- experiments <- analysis <-
the console and the page. Every import of the package's own modules is read from the source with `ast`, including
imports inside functions (an import inside a function to dodge a cycle is still a cycle), and none may look up."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# folder -> (installed package, layer); lockdown_sim/ itself holds the top layer (console, page, the ODD generator)
FOLDERS = {"sim": ("lockdown_sim.sim", 0), "agents": ("lockdown_sim.agents", 0),
           "scenarios": ("lockdown_sim.scenarios", 0), "experiments": ("lockdown_sim.experiments", 1),
           "analysis": ("lockdown_sim.analysis", 2), "lockdown_sim": ("lockdown_sim", 3)}
LAYER_NAMES = {0: "model", 1: "experiments", 2: "analysis", 3: "console and page"}
RUN_MACHINERY = ("lockdown_sim.experiments.run", "lockdown_sim.experiments.engines", "lockdown_sim.experiments.batch")


def modules() -> dict[str, Path]:
    """Every module of the installed package, by its import name."""
    out = {}
    for folder, (package, _) in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def layer(module: str) -> int:
    """The layer of a module of the package (the facade lockdown_sim/__init__.py and lockdown_sim.* are the top)."""
    for package, level in sorted(FOLDERS.values(), key=lambda item: -len(item[0])):
        if module == package or module.startswith(package + "."):
            return level
    raise KeyError(module)


def imports(module: str, path: Path, known: dict) -> set[str]:
    """The package modules `module` imports anywhere in its file (relative imports resolved; `from a import b`
    counts as importing a.b when a.b is a module, else a)."""
    tree = ast.parse(path.read_text())
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m == "lockdown_sim" or m.startswith("lockdown_sim.")} - {module}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {m: {t for t in imports(m, p, known) if t in known or t == "lockdown_sim"} for m, p in known.items()}


def upward_imports() -> list[str]:
    out = []
    for module, targets in graph().items():
        for target in sorted(targets):
            facade = target == "lockdown_sim"  # the facade is the top: only the top may import it
            if (3 if facade else layer(target)) > layer(module):
                out.append(f"{module} ({LAYER_NAMES[layer(module)]}) imports {target} "
                           f"({LAYER_NAMES[3 if facade else layer(target)]})")
    return out


def cycles() -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan's strongly connected components)."""
    g = graph()
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in g:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in g:
        if v not in index:
            visit(v)
    return out


def test_the_walk_sees_imports_inside_functions_and_relative_ones(tmp_path):
    code = ("from lockdown_sim.sim.model import M\n"
            "def f():\n    from lockdown_sim.analysis import stats\n"
            "from ..experiments import seeds\n")
    path = tmp_path / "x.py"
    path.write_text(code)
    known = {"lockdown_sim.analysis.stats": None, "lockdown_sim.experiments.seeds": None}
    assert imports("lockdown_sim.sim.x", path, known) == {
        "lockdown_sim.sim.model", "lockdown_sim.analysis.stats", "lockdown_sim.experiments.seeds"}
    assert layer("lockdown_sim.analysis.stats") > layer("lockdown_sim.sim.x")


def test_no_module_imports_a_layer_above_it():
    assert not upward_imports(), "imports that look up:\n" + "\n".join(upward_imports())


def test_no_modules_import_each_other_in_a_circle():
    assert not cycles(), "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles())


def test_analysis_reads_what_experiments_wrote_and_never_runs_a_model():
    """EMA Workbench rule: the analysis imports designs and the results store, never the run machinery."""
    bad = [f"{m} imports {t}" for m, targets in graph().items() if layer(m) == 2 for t in targets
           if t.startswith(RUN_MACHINERY)]
    assert not bad, "\n".join(bad)


def test_the_model_knows_nothing_of_runs_files_or_pages():
    model = [m for m in graph() if layer(m) == 0]
    assert "lockdown_sim.sim.model" in model and len(model) > 40
    for name in ("cli", "app", "viz", "odd", "runner", "results_store", "provenance"):
        assert f"lockdown_sim.sim.{name}" not in model, f"sim/{name}.py is not the model"
