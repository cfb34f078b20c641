"""The import structure of gaussiso: no cycles, no names taken from the package __init__.

Two independent checks. A static one reads every module's import statements (module-level
and the lazy ones inside functions, so a lazy import cannot hide a cycle) and checks that the
graph of gaussiso's modules has no cycle and that no module takes a name from
``gaussiso/__init__.py`` (which would make it depend on __init__'s import order). A runtime
one imports every module, in a fresh interpreter, under an empty stand-in for the package, so
each must load with nothing but what it imports itself; then ``import gaussiso`` must not
load torch or matplotlib.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import gaussiso

PKG_DIR = Path(gaussiso.__file__).resolve().parent
MODULES = sorted(p.stem for p in PKG_DIR.glob("*.py") if p.stem != "__init__")


def _import_edges(name):
    """``(targets, from_init)`` of module ``name``: gaussiso modules it imports, and the names
    it imports from the package __init__ (``from . import x`` where x is not a module)."""
    tree = ast.parse((PKG_DIR / f"{name}.py").read_text(), filename=f"{name}.py")
    targets, from_init = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "gaussiso" and len(parts) > 1:
                    targets.add(parts[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] != "gaussiso":
                    continue
                rest = parts[1:]
            else:
                assert node.level == 1, f"{name}: import above the package"
                rest = node.module.split(".") if node.module else []
            if rest:
                targets.add(rest[0])
            else:  # from . import a, b
                for alias in node.names:
                    if alias.name in MODULES:
                        targets.add(alias.name)
                    else:
                        from_init.append(alias.name)
    return targets, from_init


def test_no_import_cycle_and_nothing_from_init():
    graph, bad = {}, {}
    for name in MODULES:
        targets, from_init = _import_edges(name)
        unknown = targets - set(MODULES)
        assert not unknown, f"gaussiso.{name} imports unknown gaussiso modules {unknown}"
        graph[name] = targets
        if from_init:
            bad[name] = from_init
    assert not bad, f"modules importing names from gaussiso/__init__.py (import them from their own module): {bad}"
    # Depth-first search; a back edge closes a cycle.
    state, stack = {}, []

    def visit(u):
        state[u] = "open"
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == "open":
                cycle = stack[stack.index(v) :] + [v]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if v not in state:
                visit(v)
        stack.pop()
        state[u] = "done"

    for name in MODULES:
        if name not in state:
            visit(name)


def test_the_static_check_sees_cycles_and_init_imports(tmp_path, monkeypatch):
    """The checker itself: it must flag a planted cycle and a name taken from __init__."""
    (tmp_path / "a.py").write_text("def f():\n    from .b import g\n")
    (tmp_path / "b.py").write_text("from .a import f\nfrom . import OptimalGenerator\n")
    mod = sys.modules[__name__]
    monkeypatch.setattr(mod, "PKG_DIR", tmp_path)
    monkeypatch.setattr(mod, "MODULES", ["a", "b"])
    assert _import_edges("a") == ({"b"}, [])
    assert _import_edges("b") == ({"a"}, ["OptimalGenerator"])
    for content, message in [
        ("from .a import f\n", "import cycle: a -> b -> a"),
        ("from . import OptimalGenerator\n", "from gaussiso/__init__.py"),
    ]:
        (tmp_path / "b.py").write_text(content)
        try:
            test_no_import_cycle_and_nothing_from_init()
        except AssertionError as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"the checker missed {content!r}")


_ISOLATED = r"""
import importlib, json, sys, types
pkg_dir, names = sys.argv[1], json.loads(sys.argv[2])
failures = {}
for name in names:
    for key in [k for k in sys.modules if k == "gaussiso" or k.startswith("gaussiso.")]:
        del sys.modules[key]
    stub = types.ModuleType("gaussiso")  # the package without its __init__
    stub.__path__ = [pkg_dir]
    sys.modules["gaussiso"] = stub
    try:
        importlib.import_module("gaussiso." + name)
    except Exception as exc:
        failures[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"failures": failures}))
"""

# In a fresh interpreter: some optional modules (gaussiso.plotting) load matplotlib themselves.
_HEAVY = r"""
import json, sys
import gaussiso
print(json.dumps(sorted(m for m in ("torch", "matplotlib", "hypothesis") if m in sys.modules)))
"""


def test_each_module_imports_on_its_own():
    proc = subprocess.run(
        [sys.executable, "-c", _ISOLATED, str(PKG_DIR), json.dumps(MODULES)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["failures"] == {}, out["failures"]
    proc = subprocess.run([sys.executable, "-c", _HEAVY], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    heavy = json.loads(proc.stdout.strip().splitlines()[-1])
    assert heavy == [], f"import gaussiso loaded {heavy}"
