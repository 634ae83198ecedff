"""The import arrows of STYLE.md §3: the definition and engine layers never reach the network."""

from __future__ import annotations

import ast
from pathlib import Path

import caudal
import caudal.engine

PACKAGE = Path(caudal.__file__).parent

# Layers that must work on a laptop with no server: flow.run() needs none of these.
LOCAL_LAYERS = ("core", "engine", "tasks/core", "tasks/control_flow", "tasks/notifications",
                "tasks/secrets", "environments", "utilities", "executors",
                "schedules", "storage", "run_configs")
NETWORK = ("caudal.client", "caudal.server", "caudal.agent", "caudal.backend", "caudal.cli")
# The server's own libraries: a local layer that imported one would load it with flow.run().
SERVER_LIBRARIES = ("sqlalchemy", "starlette", "uvicorn", "alembic")
# The arrows from a local layer to the network, and why. Each is imported inside its method,
# so flow.run() never loads it:
# - Flow.register is a call to the server, through the client;
# - Flow.run_agent starts a LocalAgent in the process (Prefect 0.15's Flow.run_agent), which
#   is what takes the flow's runs from the server;
# - PrefectSecret.run reads the secret with caudal.client.Secret (Prefect 0.15's
#   PrefectSecret uses prefect.client.Secret), which asks the server only in a server's run.
ALLOWED_NETWORK_ARROWS = {("core/flow.py", "caudal.client"), ("core/flow.py", "caudal.agent"),
                          ("tasks/secrets/base.py", "caudal.client.secrets")}
LEAVES = ("exceptions.py", "configuration.py", "engine/state.py", "utilities/edges.py")
# What runs a flow: the client and the views read runs from the server and never load these.
RUNNERS = ("caudal.engine.flow_runner", "caudal.engine.task_runner", "caudal.engine.runner",
           "caudal.engine.flow_run", "caudal.engine.results", "caudal.engine.result",
           "caudal.engine.executors", "caudal.executors")
# client → wire, serialization (STYLE.md §3), plus what every package may use (exceptions,
# configuration, the context) and the engine's states, which the client hands back.
CLIENT_ALLOWED = ("caudal.client", "caudal.wire", "caudal.serialization", "caudal.exceptions",
                  "caudal.configuration", "caudal.utilities.context", "caudal.engine.state")
# backend → client; the views also build States as the client does.
BACKEND_ALLOWED = (*CLIENT_ALLOWED, "caudal.backend")
ALLOWED_CLIENT_ARROWS = {
    # Client.register takes a Flow: a type hint, imported only under TYPE_CHECKING.
    ("client/client.py", "caudal.core.flow"),
    ("client/registration.py", "caudal.core.flow"),
    # register_flow puts the flow's code in its storage before it tells the server, as
    # Prefect's Client.register does; it imports storage inside the function.
    ("client/registration.py", "caudal.storage"),
    ("client/registration.py", "caudal.storage.extract"),
    # Client.graphql takes and answers queries as Prefect's GraphQL helpers write and read
    # them (parse_graphql, GraphQLResult): one implementation of each, standard library only.
    ("client/client.py", "caudal.utilities.graphql"),
    # Secret.get reads local secrets first, with the one lookup storages use (find_secret),
    # and refuses to run while a Flow is being built, as Prefect's does; both are imported
    # inside the methods, which run only in a task.
    ("client/secrets.py", "caudal.storage.secrets"),
    ("client/secrets.py", "caudal.core.flow"),
}
# Packages whose names load on first use: ``from caudal import Flow`` imports caudal.core.
LAZY_NAMES = {"caudal": caudal._LAZY_NAMES, "caudal.engine": caudal.engine._LAZY_NAMES}


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imported_module(module: str, name: str) -> str:
    """The module that ``from module import name`` loads: a submodule, a lazy name's home,
    or the module itself."""
    if _is_module(f"{module}.{name}"):
        return f"{module}.{name}"
    home = LAZY_NAMES.get(module, {}).get(name)
    if home is not None and home != module:
        return _imported_module(home, name)
    return module


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at module level or inside functions; ``from a import b``
    counts as ``a.b`` when ``b`` is a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("caudal"):
                found.update(_imported_module(node.module, a.name) for a in node.names)
            else:
                found.add(node.module)
    return found


def _caudal_imports(path: Path) -> set[str]:
    """Every caudal module a file imports, at module level or inside functions."""
    return {name for name in _imports(path) if name == "caudal" or name.startswith("caudal.")}


# The backend runner (``caudal execute flow-run``) lives with the engine, as Prefect's
# ``prefect.engine.cloud`` does, but it is the engine's one part that talks to the server.
BACKEND_RUNNER = "engine/cloud"


def _files(layer: str) -> list[Path]:
    target = PACKAGE / layer
    if target.suffix == ".py":
        return [target]
    return sorted(p for p in target.rglob("*.py")
                  if layer == BACKEND_RUNNER
                  or not p.relative_to(PACKAGE).as_posix().startswith(BACKEND_RUNNER + "/"))


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


def test_local_layers_never_import_client_server_or_agents() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for layer in LOCAL_LAYERS
        for path in _files(layer)
        for name in _caudal_imports(path)
        if _within(name, NETWORK)
        and (str(path.relative_to(PACKAGE)), name) not in ALLOWED_NETWORK_ARROWS
    ]
    assert offenders == []


def test_backend_runner_reaches_the_server_only_through_the_client() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files(BACKEND_RUNNER)
        for name in _caudal_imports(path)
        if _within(name, ("caudal.server", "caudal.agent", "caudal.backend", "caudal.cli"))
    ]
    assert offenders == []


def test_spool_imports_nothing_from_the_engine_or_the_network() -> None:
    # The agent ships what a dead run left with it, without loading the engine.
    imported = _caudal_imports(PACKAGE / BACKEND_RUNNER / "spool.py")
    assert imported <= {"caudal.exceptions"}, imported


# The agent launches runs and watches them; it never loads a flow, so it never imports the
# engine's runners, the flow API or the server (its memory stays small).
AGENT_ALLOWED = ("caudal.agent", "caudal.client", "caudal.wire", "caudal.exceptions",
                 "caudal.configuration", "caudal.utilities.logging",
                 "caudal.utilities.processes", "caudal.engine.cloud.spool")


def test_agent_imports_no_engine_flow_api_or_server() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files("agent")
        for name in _caudal_imports(path)
        if not _within(name, AGENT_ALLOWED)
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
    # serialization/states.py is how the client builds States: it must not bring the runners.
    for leaf in ("engine/state.py", "engine/signals.py", "triggers.py",
                 "serialization/states.py"):
        imported = _caudal_imports(PACKAGE / leaf)
        assert not any(_within(n, RUNNERS) for n in imported), leaf


def test_engine_package_imports_nothing_until_a_name_is_used() -> None:
    # Its names load through a module __getattr__, so importing caudal.engine.state (the
    # client, the CLI) does not load the runners and every Result.
    assert _caudal_imports(PACKAGE / "engine" / "__init__.py") == set()


def test_local_layers_never_import_the_server_libraries() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for layer in LOCAL_LAYERS
        for path in _files(layer)
        for name in _imports(path)
        if _within(name, SERVER_LIBRARIES)
    ]
    assert offenders == []


def test_client_imports_only_wire_serialization_and_states() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files("client")
        for name in _caudal_imports(path)
        if name != "caudal" and not _within(name, CLIENT_ALLOWED)
        and (str(path.relative_to(PACKAGE)), name) not in ALLOWED_CLIENT_ARROWS
    ]
    assert offenders == []


# TaskRunView.get_result reads a value with the result type its flow stored it with, as
# Prefect's view does: it imports the reader (which loads the flow) inside the method, so the
# views load nothing of the engine until a value is asked for.
ALLOWED_BACKEND_ARROWS = {("backend/task_run.py", "caudal.tasks.prefect.flow_run")}


def test_backend_imports_only_client_wire_serialization_and_states() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files("backend")
        for name in _caudal_imports(path)
        if name != "caudal" and not _within(name, BACKEND_ALLOWED)
        and (str(path.relative_to(PACKAGE)), name) not in ALLOWED_BACKEND_ARROWS
    ]
    assert offenders == []


def test_client_and_backend_never_import_the_server_or_the_runners() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for layer in ("client", "backend")
        for path in _files(layer)
        for name in _imports(path)
        if _within(name, (*RUNNERS, "caudal.server", *SERVER_LIBRARIES))
    ]
    assert offenders == []


def test_server_imports_only_wire_and_schedules_from_caudal() -> None:
    allowed = ("caudal.server", "caudal.wire", "caudal.schedules")
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files("server")
        for name in _caudal_imports(path)
        if not _within(name, allowed)
    ]
    assert offenders == []


def test_wire_imports_nothing_else_from_caudal() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files("wire")
        for name in _caudal_imports(path)
        if not _within(name, ("caudal.wire",))
    ]
    assert offenders == []


def test_only_server_side_commands_import_the_server() -> None:
    server_side = {"server.py", "db.py", "auth.py", "_server_options.py"}
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _files("cli")
        if path.name not in server_side
        for name in _caudal_imports(path)
        if _within(name, ("caudal.server",))
    ]
    assert offenders == []
