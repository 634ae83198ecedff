"""Which caudal names a rewritten file uses that caudal does not have, or has only in name.

A name is checked by importing the caudal module it comes from and looking it up, so the
report follows caudal itself: a name that a later release adds stops being reported.
Placeholders (``caudal.utilities.placeholders``) import but raise ``NotAvailableError`` when
used; they are reported with that error's message.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType

from caudal.migrate.python import Reference
from caudal.migrate.result import Finding
from caudal.utilities.placeholders import NOT_AVAILABLE_ATTRIBUTE

__all__ = ["check_reference", "find_unsupported"]


def _missing(exc: ModuleNotFoundError, dotted: str) -> bool:
    """Whether ``exc`` says that ``dotted`` itself (or a package above it) does not exist,
    rather than that something it imports is not installed."""
    return exc.name is not None and (dotted == exc.name or dotted.startswith(f"{exc.name}."))


def _child(parent: ModuleType, name: str) -> object:
    """``parent.name``, importing ``parent.name`` as a submodule if it is not an attribute.

    Raises:
        AttributeError: caudal has no such name.
        ImportError: the name's module needs a package that is not installed.
    """
    try:
        return getattr(parent, name)
    except AttributeError:
        pass
    dotted = f"{parent.__name__}.{name}"
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        if _missing(exc, dotted):
            raise AttributeError(name) from exc
        raise


def check_reference(path: tuple[str, ...]) -> str | None:
    """What is wrong with the caudal name at ``path``, or None if caudal has it.

    Modules are followed attribute by attribute; the first attribute of an object that is not
    a module is the last one checked, since objects such as ``caudal.context`` answer
    attributes at run time.

    Example:
        >>> check_reference(("caudal", "run_configs", "ECSRun"))
        "ECSRun: not available in caudal ('caudal.run_configs' has no 'ECSRun')."
        >>> check_reference(("caudal", "context", "get")) is None
        True
    """
    name = path[-1]
    current: object = importlib.import_module(path[0])
    for index, part in enumerate(path[1:], start=1):
        if not isinstance(current, ModuleType):
            break
        try:
            current = _child(current, part)
        except AttributeError:
            owner = ".".join(path[:index])
            return f"{name}: not available in caudal ('{owner}' has no '{part}')."
        except ImportError as exc:
            dotted = ".".join(path[:index + 1])
            return f"{name}: could not be checked: importing '{dotted}' failed ({exc})."
        if isinstance(current, type):
            message = vars(current).get(NOT_AVAILABLE_ATTRIBUTE)
            if isinstance(message, str):
                return f"{name}: {message}"
    return None


def find_unsupported(relative: str, references: Iterable[Reference]) -> list[Finding]:
    """One finding per reference of the file at ``relative`` that caudal cannot serve."""
    findings = []
    for reference in references:
        message = check_reference(reference.path)
        if message is not None:
            findings.append(Finding(relative, reference.line, message))
    return findings
