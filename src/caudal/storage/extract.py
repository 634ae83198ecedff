"""Finding ``Flow`` objects in a ``.py`` file, a folder of them, or an importable module.

Registration and script storage both start here: ``extract_flows`` runs the code and returns
every flow it defines or imports. ``find_flow_source`` says which file a flow came from, so
that storage can keep that file's text for the UI.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
import types
import weakref
from collections.abc import Iterable
from pathlib import Path

from caudal.core.flow import Flow
from caudal.exceptions import FlowStorageError

__all__ = ["extract_flow", "extract_flows", "extract_flows_from_script", "find_flow_source"]

# Files run by extract_flows_from_script are not in sys.modules (so that cloudpickle stores
# their functions by value); this remembers which file each of their flows came from.
_SOURCES: weakref.WeakKeyDictionary[Flow, tuple[str, str]] = weakref.WeakKeyDictionary()


def extract_flows(target: str | os.PathLike[str] | types.ModuleType) -> list[Flow]:
    """Every ``Flow`` object in a ``.py`` file, a folder of them, or an importable module.

    A standalone file runs as a fresh module; a file inside a package (a folder with
    ``__init__.py``) is imported under its dotted name, so its relative imports work. A folder
    is searched recursively, in name order, skipping files that hold no flow. A module name
    (``"pipelines.flows"``) is imported, and the flows it defines or star-imports are returned.
    Each flow appears once, in the order first found.

    Args:
        target: a path to a ``.py`` file or a folder, a dotted module name, or a module.

    Returns:
        The flows found, possibly none (for a single file or module).

    Raises:
        FlowStorageError: the target does not exist, or a file fails to import; the message
            names the file and carries its traceback.

    Example:
        >>> flows = extract_flows("caudal.storage.extract")  # a module with no flows
        >>> flows
        []
    """
    if isinstance(target, types.ModuleType):
        return _unique(_flows_in(target))
    text = os.fspath(target)
    path = Path(text).expanduser()
    if path.is_dir():
        found: list[Flow] = []
        for file in sorted(path.rglob("*.py")):
            if any(part.startswith((".", "__pycache__")) for part in file.relative_to(path).parts):
                continue
            found.extend(_load_file(file))
        return _unique(found)
    if path.is_file() or text.endswith(".py"):
        if not path.is_file():
            raise FlowStorageError(f"Flow file '{text}' does not exist.", path=text)
        return _unique(_load_file(path))
    if all(part.isidentifier() for part in text.split(".")):
        return _unique(_flows_in(_import(text)))
    raise FlowStorageError(
        f"'{text}' is neither a .py file, a folder nor an importable module name.", path=text
    )


def extract_flows_from_script(text: str, filename: str = "<script>") -> list[Flow]:
    """Every ``Flow`` object that the Python source ``text`` builds, run as a fresh module.

    The module is not left in ``sys.modules``: its functions are pickled by value, so a flow
    stored from it loads where the file does not exist.

    Raises:
        FlowStorageError: the code fails to run; the message names ``filename`` and carries
            the traceback.

    Example:
        >>> script = '''
        ... from caudal import Flow, task
        ... with Flow("hello") as flow:
        ...     task(lambda: "hi", name="greet")()
        ... '''
        >>> [flow.name for flow in extract_flows_from_script(script, "hello.py")]
        ['hello']
    """
    stem = Path(filename).stem.replace("-", "_") or "script"
    module = types.ModuleType(f"caudal_flow_file_{stem}")
    module.__file__ = filename
    parent = str(Path(filename).resolve().parent) if Path(filename).is_file() else None
    # Sibling imports (`import helpers`) work as they do when the file is run as a script;
    # the module sits in sys.modules only while it runs, for code that looks itself up.
    added = parent is not None and parent not in sys.path
    if added:
        sys.path.insert(0, parent)
    sys.modules[module.__name__] = module
    try:
        exec(compile(text, filename, "exec"), module.__dict__)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise _load_error(filename, exc) from exc
    finally:
        sys.modules.pop(module.__name__, None)
        if added:
            sys.path.remove(parent)
    flows = _unique(_flows_in(module))
    for flow in flows:
        _SOURCES.setdefault(flow, (filename, text))
    return flows


def extract_flow(target: str | os.PathLike[str] | types.ModuleType, flow_name: str | None = None,
                 ) -> Flow:
    """The flow named ``flow_name`` in ``target`` (see ``extract_flows``), or its only flow.

    Raises:
        FlowStorageError: no flow of that name, no flow at all, or several and no name given.
    """
    return pick_flow(extract_flows(target), flow_name, str(getattr(target, "__name__", target)))


def pick_flow(flows: list[Flow], flow_name: str | None, where: str) -> Flow:
    """The flow named ``flow_name`` among ``flows`` found in ``where`` (one line of help)."""
    names = [flow.name for flow in flows]
    if flow_name is None:
        if len(flows) == 1:
            return flows[0]
        if not flows:
            raise FlowStorageError(f"No Flow object found in '{where}'.", path=where)
        raise FlowStorageError(
            f"'{where}' holds several flows ({', '.join(repr(n) for n in names)}); "
            "name the one you want.", path=where)
    for flow in flows:
        if flow.name == flow_name:
            return flow
    raise FlowStorageError(
        f"No flow named '{flow_name}' in '{where}'; it holds "
        f"{', '.join(repr(n) for n in names) or 'no flows'}.", path=where)


def find_flow_source(flow: Flow) -> tuple[str, str] | None:
    """The path and text of the file that defines ``flow``, or None if no file holds it.

    Flows from ``extract_flows`` know their file. Otherwise the loaded modules that hold the
    flow are searched (a script's ``__main__`` included); of several (a ``flows.py`` that
    star-imports), the one whose text names the flow wins.
    """
    if flow in _SOURCES:
        return _SOURCES[flow]
    candidates: list[str] = []
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not file or not file.endswith(".py"):
            continue
        try:
            held = any(value is flow for value in vars(module).values())
        except Exception:  # an odd module object; it cannot be the flow's home
            continue
        if held:
            candidates.append(file)
    texts = []
    for file in candidates:
        try:
            texts.append((file, Path(file).read_text()))
        except OSError:
            continue
    for file, text in texts:
        if f'"{flow.name}"' in text or f"'{flow.name}'" in text:
            return file, text
    return texts[0] if texts else None


def _load_file(path: Path) -> list[Flow]:
    dotted = _package_name(path)
    if dotted is None:
        try:
            text = path.read_text()
        except OSError as exc:
            raise _load_error(str(path), exc) from exc
        return extract_flows_from_script(text, str(path))
    # The folder that holds the top package: a.b.c sits three folders up from a/b/c.py's
    # folder, and a package's own __init__.py one more.
    root = path.resolve().parents[dotted.count(".") + (path.name == "__init__.py")]
    added = str(root) not in sys.path
    if added:
        sys.path.insert(0, str(root))
    try:
        module = _import(dotted, str(path))
    finally:
        if added:
            sys.path.remove(str(root))
    flows = _flows_in(module)
    text = path.read_text()
    for flow in flows:
        _SOURCES.setdefault(flow, (str(path), text))
    return flows


def _package_name(path: Path) -> str | None:
    """``a.b.c`` for ``a/b/c.py`` when ``a`` and ``b`` are packages; None for a lone file."""
    path = path.resolve()
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if path.name != "__init__.py" and len(parts) == 1:
        return None
    return ".".join(parts) if parts else None


def _import(name: str, path: str | None = None) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        where = path or _module_file(name) or name
        raise _load_error(where, exc, module=name) from exc


def _module_file(name: str) -> str | None:
    try:
        spec = importlib.util.find_spec(name)
    except BaseException:
        return None
    return spec.origin if spec is not None and spec.origin not in (None, "built-in") else None


def _load_error(path: str, exc: BaseException, module: str | None = None) -> FlowStorageError:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    what = f"module '{module}' ({path})" if module and module != path else f"'{path}'"
    return FlowStorageError(
        f"Could not load flows from {what}: {type(exc).__name__}: {exc}\n\n{text}\n"
        "Fix the error above (run the file with python to reproduce it), or make the "
        "packages it imports installable here.",
        path=path, traceback=text,
    )


def _flows_in(module: types.ModuleType) -> list[Flow]:
    return [value for value in list(vars(module).values()) if isinstance(value, Flow)]


def _unique(flows: Iterable[Flow]) -> list[Flow]:
    seen: set[int] = set()
    unique = []
    for flow in flows:
        if id(flow) not in seen:
            seen.add(id(flow))
            unique.append(flow)
    return unique
