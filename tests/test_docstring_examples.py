"""Every ``Example:`` in caudal's docstrings runs, and shows what it says it shows."""

from __future__ import annotations

import doctest
import importlib
import logging
import pkgutil
from collections.abc import Iterator

import pytest

import caudal


def _modules() -> Iterator[str]:
    for info in pkgutil.walk_packages(caudal.__path__, prefix="caudal."):
        if info.name.endswith("__main__"):  # importing it runs the CLI
            continue
        if info.name.startswith("caudal.server.db.migrations."):  # run by Alembic only
            continue
        yield info.name


@pytest.fixture
def quiet_caudal_logs() -> Iterator[None]:
    """Run logs are not part of an example's output: keep them off stdout meanwhile."""
    logger = logging.getLogger("caudal")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@pytest.mark.parametrize("module_name", sorted(_modules()))
def test_docstring_examples_run(module_name: str, quiet_caudal_logs: None) -> None:
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs = {"caudal": caudal, **vars(module)}
    for test in finder.find(module, module_name, globs=globs):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module_name}"
