"""The house import rules, read statically (importing any slack_sdk submodule loads slack_sdk.web,
so a runtime check could not tell)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def _hits(path: Path, forbidden: tuple[str, ...]) -> set[str]:
    return {n for n in _imports(path) if n == forbidden or n.split(".")[0] in forbidden or n.startswith(forbidden)}


@pytest.mark.parametrize("path", _modules("bot", "handlers", "reports"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_bot_aws_imports_boto3_or_botocore(path):
    if (ROOT / "bot" / "aws") in path.parents:
        return
    assert not _hits(path, ("boto3", "botocore")), "boto3/botocore belong in bot/aws/"


@pytest.mark.parametrize("path", _modules("bot", "reports"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_app_and_handlers_import_slack_bolt(path):
    if path == ROOT / "bot" / "runtime" / "app.py":
        return
    assert not _hits(path, ("slack_bolt",)), "slack_bolt belongs in bot/runtime/app.py and handlers/"


@pytest.mark.parametrize("path", _modules("reports"), ids=lambda p: str(p.relative_to(ROOT)))
def test_reports_are_pure(path):
    bad = {
        n
        for n in _imports(path)
        if n.split(".")[0] in {"boto3", "botocore", "slack_bolt", "sqlite_utils", "sqlite3", "requests"}
        or (n.startswith("slack_sdk") and not n.startswith("slack_sdk.models"))
        or n in {"bot.storage.store", "bot.services", "bot.scan.fanout"}
        or n.startswith(("bot.aws", "bot.scan.scanners"))
    }
    assert not bad, f"reports/ must stay pure: {sorted(bad)}"


@pytest.mark.parametrize("path", _modules("bot", "handlers", "reports"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_grab_bag_modules(path):
    assert path.stem not in {"utils", "helpers", "misc", "common", "csv", "json", "logging"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports, anywhere in the file (function-level imports
    included: a cycle hidden in a function is still a cycle). `from pkg import name` counts as an
    edge to `pkg.name` when that is a module, else to `pkg`."""
    paths = _modules("bot", "handlers", "reports")
    known = {_module_name(p) for p in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name in known)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    if target in known:
                        edges.add(target)
                    elif node.module in known:
                        edges.add(node.module)
        graph[_module_name(path)] = edges - {_module_name(path)}
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_cycles():
    cycle = _find_cycle(_import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_cycle_finder_finds_a_planted_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None
