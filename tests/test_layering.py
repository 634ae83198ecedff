"""The import arrows of STYLE.md §3: the definition and engine layers never reach the network."""

from __future__ import annotations

import ast
from pathlib import Path

import caudal

PACKAGE = Path(caudal.__file__).parent

# Layers that must work on a laptop with no server: flow.run() needs none of these.
LOCAL_LAYERS = ("core", "engine", "tasks/core", "tasks/control_flow", "utilities", "executors",
                "schedules", "storage", "run_configs")
NETWORK = ("caudal.client", "caudal.server", "caudal.agent", "caudal.backend", "caudal.cli")
# The one arrow from a local layer to the network, and why: Flow.register is a call to the
# server. It imports the client inside the method, so flow.run() never loads it.
ALLOWED_NETWORK_ARROWS = {("core/flow.py", "caudal.client")}
LEAVES = ("exceptions.py", "configuration.py", "engine/state.py", "utilities/edges.py")


def _caudal_imports(path: Path) -> set[str]:
    """Every caudal module a file imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("caudal"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("caudal"):
            found.add(node.module)
    return found


def _files(layer: str) -> list[Path]:
    target = PACKAGE / layer
    return [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))


def test_local_layers_never_import_client_server_or_agents() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for layer in LOCAL_LAYERS
        for path in _files(layer)
        for name in _caudal_imports(path)
        if name.startswith(NETWORK)
        and (str(path.relative_to(PACKAGE)), name) not in ALLOWED_NETWORK_ARROWS
    ]
    assert offenders == []


def test_leaf_modules_import_nothing_from_caudal_but_leaves() -> None:
    allowed = {"caudal.exceptions", "caudal.configuration", "caudal.engine.state"}
    offenders = [
        f"{leaf} imports {name}"
        for leaf in LEAVES
        for name in _caudal_imports(PACKAGE / leaf)
        if name not in allowed
    ]
    assert offenders == []


def test_state_and_signal_modules_do_not_import_the_runners() -> None:
    for leaf in ("engine/state.py", "engine/signals.py", "triggers.py"):
        imported = _caudal_imports(PACKAGE / leaf)
        assert not any(n.endswith(("flow_runner", "task_runner")) for n in imported), leaf


def test_server_imports_only_wire_and_schedules_from_caudal() -> None:
    allowed = ("caudal.server", "caudal.wire", "caudal.schedules")
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files("server")
        for name in _caudal_imports(path)
        if not name.startswith(allowed)
    ]
    assert offenders == []


def test_wire_imports_nothing_else_from_caudal() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files("wire")
        for name in _caudal_imports(path)
        if not name.startswith("caudal.wire")
    ]
    assert offenders == []


def test_only_server_side_commands_import_the_server() -> None:
    server_side = {"server.py", "db.py", "auth.py", "_server_options.py"}
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files("cli")
        if path.name not in server_side
        for name in _caudal_imports(path)
        if name.startswith("caudal.server")
    ]
    assert offenders == []
