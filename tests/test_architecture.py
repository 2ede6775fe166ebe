"""The layering of docs/architecture.md, checked on the source: pages -> ui -> pe_core, no
Streamlit in pe_core, and pe_core's modules a one-way stack without cycles."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PE_CORE = sorted((ROOT / "pe_core").rglob("*.py"))
BASE_MODULES = {"pe_core.cache": set(), "pe_core.choices": set(), "pe_core.filetypes": set()}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module imported anywhere in the file (lazy imports inside functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PE_CORE}
    graph = {}
    for name, path in modules.items():
        deps = {m for m in _imports(path) if m in modules and m != name}
        # "from pe_core.vectors.load import x" in pe_core.vectors is the package's own re-export.
        graph[name] = {d for d in deps if not d.startswith(name + ".")}
    return graph


def test_the_sources_are_found():
    graph = _graph()
    assert {"pe_core.layers", "pe_core.vectors.load", "pe_core.demo.fit"} <= set(graph)


@pytest.mark.parametrize("path", PE_CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_pe_core_never_imports_streamlit_or_the_app(path):
    bad = {m for m in _imports(path) if m.split(".")[0] in ("streamlit", "ui", "pages", "app")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_pe_core_modules_form_a_stack_without_cycles():
    graph = _graph()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node, path):
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = path[path.index(dep) :] + [dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_the_base_modules_import_nothing_of_ours_but_each_other():
    graph = _graph()
    for name, allowed in {**BASE_MODULES, "pe_core.checks": {"pe_core.choices"}}.items():
        assert graph[name] <= allowed, f"{name} imports {sorted(graph[name] - allowed)}"


@pytest.mark.parametrize("path", sorted((ROOT / "ui").glob("*.py")), ids=lambda p: p.name)
def test_ui_never_imports_a_page(path):
    bad = {m for m in _imports(path) if m.split(".")[0] in ("pages", "app")}
    assert not bad, f"ui/{path.name} imports {sorted(bad)}"
