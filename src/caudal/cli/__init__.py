"""The ``caudal`` command line. Commands arrive with the server and agent issues."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``caudal`` console script."""
    import caudal

    parser = argparse.ArgumentParser(
        prog="caudal",
        description="caudal: a self-hostable workflow orchestrator for Python ETL pipelines.",
    )
    parser.add_argument("--version", action="version", version=f"caudal {caudal.__version__}")
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
