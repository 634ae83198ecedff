"""caudal migrate stays out of everyone's way: no server, and nothing loaded until it runs."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import caudal.migrate

MIGRATE = Path(caudal.migrate.__file__).parent


def test_migrate_package_imports_no_server_or_client():
    imported = set()
    for path in MIGRATE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)

    assert sorted(name for name in imported
                  if name.startswith(("caudal.server", "caudal.client"))) == []


def test_cli_help_loads_neither_libcst_nor_the_migrate_package():
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys, runpy\n"
         "sys.argv = ['caudal', '--help']\n"
         "try:\n    runpy.run_module('caudal', run_name='__main__')\n"
         "except SystemExit:\n    pass\n"
         "print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, timeout=60)

    modules = json.loads(done.stdout.splitlines()[-1])
    assert "migrate" in done.stdout
    assert [m for m in modules if m.startswith(("libcst", "caudal.migrate"))] == []


def test_missing_libcst_is_reported_with_the_install_line(tmp_path):
    # A None in sys.modules makes `import libcst` fail, as it does where it is not installed.
    done = subprocess.run(
        [sys.executable, "-c", "import sys, runpy\n"
         "sys.modules['libcst'] = None\n"
         f"sys.argv = ['caudal', 'migrate', {str(tmp_path)!r}]\n"
         "runpy.run_module('caudal', run_name='__main__')"],
        capture_output=True, text=True, timeout=60)

    assert done.returncode == 1
    assert "pip install 'caudal[migrate]'" in done.stderr
