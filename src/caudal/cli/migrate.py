"""``caudal migrate PATH``: move a repository written for Prefect 0.15 onto caudal."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from caudal.migrate import Result

__all__ = ["migrate"]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _diff(result: Result) -> str:
    lines: list[str] = []
    for change in result.changes:
        lines.extend(difflib.unified_diff(
            change.before.decode("utf-8", errors="replace").splitlines(keepends=True),
            change.after.decode("utf-8", errors="replace").splitlines(keepends=True),
            fromfile=f"a/{change.path}", tofile=f"b/{change.path}"))
    return "".join(line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n"
                   for line in lines)


def _summary(result: Result, write: bool) -> str:
    if write:
        parts = [f"Rewrote {_plural(len(result.changes), 'file', 'files')}"]
    else:
        parts = [f"{_plural(len(result.changes), 'file', 'files')} would be rewritten"]
    parts.append(f"{_plural(len(result.unsupported), 'use', 'uses')} of names caudal lacks")
    parts.append(f"{_plural(len(result.commands), 'CI command', 'CI commands')} to change "
                 "by hand")
    if result.errors:
        parts.append(f"{_plural(len(result.errors), 'file', 'files')} not parsed")
    return f"{'; '.join(parts)} ({_plural(result.checked, 'file', 'files')} checked)."


@click.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--check", is_flag=True,
              help="Change nothing; list what would change and exit 1 if anything would.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Change nothing; print a unified diff of what would change.")
def migrate(path: Path, check: bool, show_diff: bool) -> None:
    """Move the repository at PATH from Prefect 0.15 onto caudal.

    Rewrites 'prefect' imports to 'caudal' in every .py file (formatting and comments kept)
    and PREFECT__ variables to CAUDAL__ in .toml, .env and Docker files. Reports uses of
    names caudal does not have, and the lines of CI files that run a 'prefect' command with
    the caudal command to run instead (CI files are not rewritten). A file that does not
    parse is reported and left unchanged; the exit code is then 1.
    """
    try:
        import libcst  # noqa: F401
    except ImportError as exc:
        raise click.ClickException("'caudal migrate' needs LibCST to rewrite Python files "
                                   "while keeping their formatting: pip install "
                                   "'caudal[migrate]'") from exc
    from caudal.migrate import migrate_tree

    write = not (check or show_diff)
    result = migrate_tree(path, write=write)
    # With --diff, stdout is the patch alone (it can be piped to `git apply`), so everything
    # else goes to stderr.
    report_to_stderr = show_diff
    if show_diff:
        click.echo(_diff(result), nl=False)
    else:
        verb = "Rewrote" if write else "Would rewrite"
        for change in result.changes:
            click.echo(f"{verb} {change.path}")
    for finding in sorted([*result.unsupported, *result.commands]):
        click.echo(str(finding), err=report_to_stderr)
    for finding in result.errors:
        click.echo(str(finding), err=True)
    click.echo(_summary(result, write), err=report_to_stderr)
    if result.errors or (check and result.changes):
        raise SystemExit(1)
