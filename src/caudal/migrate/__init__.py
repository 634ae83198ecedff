"""``caudal migrate``: move a repository written for Prefect 0.15 onto caudal.

``migrate_tree`` reads every file of interest under a folder (``caudal.migrate.files``):
Python files have their ``prefect`` imports rewritten to ``caudal`` with LibCST, keeping
formatting and comments (``caudal.migrate.python``), and the caudal names they then use are
checked against caudal (``caudal.migrate.report``); settings files have their ``PREFECT__``
variables renamed and CI files have their ``prefect`` commands reported
(``caudal.migrate.text``, ``caudal.migrate.commands``).

Needs LibCST (``pip install 'caudal[migrate]'``)::

    from caudal.migrate import migrate_tree

    result = migrate_tree(Path("my-pipelines"), write=False)
    for change in result.changes:
        print("would rewrite", change.path)
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from caudal.migrate.commands import describe_command
from caudal.migrate.files import FileKind, walk
from caudal.migrate.python import rewrite_source
from caudal.migrate.report import find_unsupported
from caudal.migrate.result import Change, Finding, Result
from caudal.migrate.text import find_prefect_commands, rewrite_variables

__all__ = ["Change", "Finding", "Result", "migrate_tree"]


def _relative(path: Path, root: Path) -> str:
    if root.is_file():
        return path.name
    return path.relative_to(root).as_posix()


def _migrate_python(relative: str, content: bytes, result: Result) -> bytes:
    try:
        rewrite = rewrite_source(content)
    except cst.ParserSyntaxError as exc:
        result.errors.append(Finding(relative, exc.raw_line,
                                     f"cannot parse, left unchanged: {exc.message}"))
        return content
    except (UnicodeDecodeError, LookupError) as exc:  # a bad or unknown coding declaration
        result.errors.append(Finding(relative, 1, f"cannot decode, left unchanged: {exc}"))
        return content
    result.unsupported.extend(find_unsupported(relative, rewrite.references))
    return rewrite.source


def _report_commands(relative: str, content: bytes, result: Result) -> None:
    text = content.decode("utf-8", errors="replace")
    result.commands.extend(Finding(relative, found.line, describe_command(found.command))
                           for found in find_prefect_commands(text))


def migrate_tree(path: Path, write: bool) -> Result:
    """Migrate every file under ``path`` (a folder, or one file) from Prefect 0.15 to caudal.

    Args:
        path: the repository (or file) to migrate.
        write: write the changed files in place; with False, nothing on disk changes.

    Returns:
        The files that change and everything reported, sorted by path and line. A file that
        cannot be read or parsed is in ``errors`` and left untouched; the others are migrated.
    """
    result = Result()
    for file, kind in walk(path):
        relative = _relative(file, path)
        try:
            content = file.read_bytes()
        except OSError as exc:
            result.errors.append(Finding(relative, 0, f"cannot read, left unchanged: {exc}"))
            continue
        result.checked += 1
        if kind is FileKind.PYTHON:
            after = _migrate_python(relative, content, result)
        elif kind is FileKind.SETTINGS:
            after = rewrite_variables(content)
        else:
            _report_commands(relative, content, result)
            after = content
        if after != content:
            result.changes.append(Change(relative, content, after))
            if write:
                file.write_bytes(after)
    result.sort()
    return result
