"""The LibCST rewrite of a Python file from ``prefect`` to ``caudal``, keeping its formatting.

Only the leading ``prefect`` of an imported module name changes (``prefect.tasks.prefect``
becomes ``caudal.tasks.prefect``), and a name ``prefect`` changes only where it is bound by
``import prefect...``: a parameter or a local variable named ``prefect`` keeps its name.
Strings and comments are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    Assignment,
    ImportAssignment,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    Scope,
    ScopeProvider,
)

__all__ = ["PREFECT", "CAUDAL", "Reference", "Rewrite", "rewrite_source"]

PREFECT = "prefect"
CAUDAL = "caudal"


@dataclass(frozen=True)
class Reference:
    """A caudal name the rewritten file uses, as a dotted path from the package.

    ``from prefect.run_configs import ECSRun`` on line 3 gives
    ``Reference(3, ("caudal", "run_configs", "ECSRun"))``.
    """

    line: int
    path: tuple[str, ...]


@dataclass(frozen=True)
class Rewrite:
    """A file's source after the rewrite, and the caudal names it uses."""

    source: bytes
    references: list[Reference]


def _dotted(node: cst.BaseExpression) -> list[str]:
    """``a.b.c`` as ``["a", "b", "c"]``."""
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, cst.Attribute):
        return [*_dotted(node.value), node.attr.value]
    raise TypeError(f"Not a dotted name: {node!r}")


def _with_head(node: cst.BaseExpression, head: str) -> cst.BaseExpression:
    """``a.b.c`` with ``a`` replaced by ``head``; every other part and its whitespace kept."""
    if isinstance(node, cst.Name):
        return node.with_changes(value=head)
    if isinstance(node, cst.Attribute):
        return node.with_changes(value=_with_head(node.value, head))
    raise TypeError(f"Not a dotted name: {node!r}")


def _is_prefect(module: cst.BaseExpression | None) -> bool:
    return module is not None and _dotted(module)[0] == PREFECT


def _is_checked(module: cst.BaseExpression | None) -> bool:
    """Whether the names of ``module`` are checked against caudal: ``prefect`` ones, and
    ``caudal`` ones, so that a tree already migrated is still checked."""
    return module is not None and _dotted(module)[0] in (PREFECT, CAUDAL)


def _binding(assignment: ImportAssignment) -> tuple[tuple[str, ...], bool] | None:
    """What an import of ``prefect...`` (or ``caudal...``) binds: the caudal path of the object
    its name stands for, and whether that name is ``prefect``, the package, to be renamed."""
    node = assignment.node
    if isinstance(node, cst.Import):
        for alias in node.names:
            parts = _dotted(alias.name)
            if parts[0] not in (PREFECT, CAUDAL):
                continue
            # ``import prefect.tasks.shell`` binds ``prefect``; LibCST also records the dotted
            # ``prefect.tasks.shell``, whose accesses are the attribute chains that spell it.
            bound = assignment.name.split(".")
            if alias.asname is None and bound == parts[:len(bound)]:
                return (CAUDAL, *bound[1:]), parts[0] == PREFECT
            if (alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                    and alias.asname.name.value == assignment.name):
                return (CAUDAL, *parts[1:]), False
    elif (isinstance(node, cst.ImportFrom) and not node.relative and _is_checked(node.module)
          and not isinstance(node.names, cst.ImportStar)):
        assert node.module is not None  # _is_checked checked it
        module = _dotted(node.module)
        for alias in node.names:
            name = _dotted(alias.name)[-1]
            bound = alias.asname.name.value if (alias.asname is not None and isinstance(
                alias.asname.name, cst.Name)) else name
            if bound == assignment.name:
                return (CAUDAL, *module[1:], name), False
    return None


class _PrefectTransformer(cst.CSTTransformer):
    """Renames the leading ``prefect`` of imports, and the names in ``renamed``."""

    def __init__(self, renamed: set[cst.Name]) -> None:
        super().__init__()
        self._renamed = renamed

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        # CST nodes compare by identity: only the nodes the scope analysis picked match.
        if original_node in self._renamed:
            return updated_node.with_changes(value=CAUDAL)
        return updated_node

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names = [alias.with_changes(name=_with_head(alias.name, CAUDAL))
                 if _is_prefect(alias.name) else alias for alias in updated_node.names]
        return updated_node.with_changes(names=names)

    def leave_ImportFrom(self, original_node: cst.ImportFrom,
                         updated_node: cst.ImportFrom) -> cst.ImportFrom:
        if updated_node.relative or not _is_prefect(updated_node.module):
            return updated_node
        assert updated_node.module is not None  # _is_prefect checked it
        return updated_node.with_changes(module=_with_head(updated_node.module, CAUDAL))


def rewrite_source(source: bytes) -> Rewrite:
    """Rewrite one file's source from ``prefect`` to ``caudal``.

    Raises:
        libcst.ParserSyntaxError: the source does not parse.

    Example:
        >>> rewrite_source(b"import prefect  # the API\\nprefect.context.get('x')\\n").source
        b"import caudal  # the API\\ncaudal.context.get('x')\\n"
    """
    wrapper = MetadataWrapper(cst.parse_module(source))
    scopes = wrapper.resolve(ScopeProvider)
    parents = wrapper.resolve(ParentNodeProvider)
    positions = wrapper.resolve(PositionProvider)

    references: list[Reference] = []
    renamed: set[cst.Name] = set()

    def line(node: cst.CSTNode) -> int:
        return positions[node].start.line

    def follow(access: cst.CSTNode, target: tuple[str, ...]) -> None:
        # ``prefect.schedules.IntervalSchedule``: the attributes read from the bound name.
        path = list(target)
        node = access
        while isinstance(parent := parents.get(node), cst.Attribute) and parent.value is node:
            path.append(parent.attr.value)
            node = parent
        if len(path) > len(target):
            references.append(Reference(line(access), tuple(path)))

    for scope in {scope for scope in scopes.values() if isinstance(scope, Scope)}:
        binds_package = False
        for assignment in scope.assignments:
            if not isinstance(assignment, ImportAssignment):
                continue
            binding = _binding(assignment)
            if binding is None:
                continue
            target, renames = binding
            binds_package = binds_package or renames
            for access in assignment.references:
                head = access.node
                while isinstance(head, cst.Attribute):
                    head = head.value
                if isinstance(head, cst.Name):  # not a name inside a string annotation
                    if renames:
                        renamed.add(head)
                    follow(access.node, target)
        if binds_package:
            # ``try: import prefect / except ImportError: prefect = None``: the other
            # bindings of the name in the same scope stand for the package too.
            for assignment in scope.assignments[PREFECT]:
                if type(assignment) is Assignment and isinstance(assignment.node, cst.Name):
                    renamed.add(assignment.node)
                    renamed.update(access.node for access in assignment.references
                                   if isinstance(access.node, cst.Name))

    for node in positions:
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            _import_references(node, line, references)

    module = wrapper.module.visit(_PrefectTransformer(renamed))
    unique = sorted(set(references), key=lambda ref: (ref.line, ref.path))
    return Rewrite(module.bytes, unique)


def _import_references(node: cst.Import | cst.ImportFrom, line: Callable[[cst.CSTNode], int],
                       references: list[Reference]) -> None:
    """The caudal names an import of ``prefect`` (or ``caudal``) asks for, each on its line."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            parts = _dotted(alias.name)
            if parts[0] in (PREFECT, CAUDAL):
                references.append(Reference(line(alias), (CAUDAL, *parts[1:])))
    elif not node.relative and _is_checked(node.module):
        assert node.module is not None  # _is_checked checked it
        module = (CAUDAL, *_dotted(node.module)[1:])
        if isinstance(node.names, cst.ImportStar):
            references.append(Reference(line(node), module))
        else:
            references.extend(Reference(line(alias), (*module, _dotted(alias.name)[-1]))
                              for alias in node.names)
