"""What a migration found: the files it rewrites and the lines it reports."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Change", "Finding", "Result"]


@dataclass(frozen=True, order=True)
class Finding:
    """One reported line: ``path:line: message``, with ``path`` relative to the migrated tree."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Change:
    """A file whose content the migration changes, before and after."""

    path: str
    before: bytes
    after: bytes


@dataclass
class Result:
    """Everything ``migrate_tree`` found, each list sorted by path and line.

    Attributes:
        checked: how many files were read.
        changes: the files that change (written already, if the migration wrote).
        unsupported: uses of Prefect names that caudal does not have, or has only as a
            placeholder that raises ``NotAvailableError``.
        commands: lines of CI files that run a ``prefect`` command, with the caudal one.
        errors: files that could not be parsed or read; they are left untouched.
    """

    checked: int = 0
    changes: list[Change] = field(default_factory=list)
    unsupported: list[Finding] = field(default_factory=list)
    commands: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)

    def sort(self) -> None:
        """Order every list by path, then line, so that a report reads the same each run."""
        self.changes.sort(key=lambda change: change.path)
        for findings in (self.unsupported, self.commands, self.errors):
            findings.sort()
