"""What both corpus tests share: the local stand-ins for the agencies' HTTP APIs and
database, `caudal migrate` on a copy, and running the corpus's local flows in one process.

The HTTP stand-in serves a randomuser.me-like API (flaky: on every page, every other request
fails), a paginated API, rain readings, and the same readings slowly: a request to
`/chuva-lenta/` waits until the test sets `StandInAPI.release` (at most `SLOW_WAIT_S`).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

CORPUS = Path(__file__).resolve().parent
PIPELINES = CORPUS / "pipelines"
RUN_CORPUS_PY = CORPUS / "run_corpus.py"
MARKER = "===CORPUS-SUMMARY==="
RAIN_MM = {"tijuca": 30.0, "centro": 10.0, "barra": 26.0, "sensor-quebrado": -1.0}
SLOW_WAIT_S = 25.0


class StandInAPI(BaseHTTPRequestHandler):
    hits: Counter = Counter()
    slow_requests = 0
    release = threading.Event()

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        if url.path == "/flaky/api/":
            page = int(query["page"])
            StandInAPI.hits[page] += 1
            if StandInAPI.hits[page] % 2 == 1:
                self.send_json({"error": "try again"}, status=500)
                return
            users = [
                {
                    "name": {"first": f"Nome{page}{n}", "last": f"Sobrenome{n}"},
                    "email": f"user{page}{n}@example.org",
                    "location": {"city": ["Rio de Janeiro", "Niteroi"][(page + n) % 2]},
                }
                for n in range(int(query.get("results", "1")))
            ]
            self.send_json({"results": users, "info": {"page": page}})
        elif url.path == "/vazio/":
            self.send_json({"results": [], "info": {"page": int(query["page"])}})
        elif url.path == "/paginas/":
            page = int(query["page"])
            items = [{"linha": f"L{(page + n) % 2}", "pagina": page} for n in range(3)]
            self.send_json({"items": items, "next": page + 1 if page < 3 else None})
        elif url.path in ("/chuva/", "/chuva-lenta/"):
            if url.path == "/chuva-lenta/":
                StandInAPI.slow_requests += 1
                StandInAPI.release.wait(SLOW_WAIT_S)
            self.send_json({"estacao": query["estacao"], "mm": RAIN_MM[query["estacao"]]})
        else:
            self.send_json({"error": "not found"}, status=404)

    def send_json(self, body: Any, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_stand_in_api() -> Iterator[str]:
    """The stand-in API on a free port of 127.0.0.1; its base URL."""
    StandInAPI.hits.clear()
    StandInAPI.slow_requests = 0
    StandInAPI.release.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInAPI)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        StandInAPI.release.set()
        server.shutdown()
        server.server_close()


def make_database(path: Path) -> None:
    """The agencies' database: students and schools, and an empty `turmas` table."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alunos (id INTEGER, nome TEXT, turma INTEGER)")
        connection.executemany(
            "INSERT INTO alunos VALUES (?, ?, ?)",
            [(1, "Ana", 101), (2, "Bruno", 101), (3, "Carla", 102)],
        )
        connection.execute("CREATE TABLE turmas (id INTEGER, serie TEXT)")
        connection.execute("CREATE TABLE escolas (id INTEGER, nome TEXT)")
        connection.executemany(
            "INSERT INTO escolas VALUES (?, ?)", [(10, "EM Tijuca"), (11, "EM Centro")]
        )


def run_caudal_migrate(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "caudal", "migrate", *options, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def migrated_copy(parent: Path) -> Path:
    """A copy of the corpus under `parent/pipelines`, moved to caudal by `caudal migrate`."""
    copy = parent / "pipelines"
    shutil.copytree(PIPELINES, copy)
    migrate = run_caudal_migrate(copy)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    return copy


def run_corpus(python: str, parent: Path, work: Path, api_url: str) -> dict[str, Any]:
    """Run the local flows of the corpus under `parent` with `python` (Prefect 0.15.9's
    interpreter or caudal's) in the folder `work`; the summary run_corpus.py prints."""
    work.mkdir()
    db_path = work / "banco.sqlite"
    make_database(db_path)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    # Checkpointing is off by default under flow.run(); the agencies' targets need it.
    env["PREFECT__FLOWS__CHECKPOINTING"] = "true"
    env["CAUDAL__FLOWS__CHECKPOINTING"] = "true"
    env["PYTHONPATH"] = str(parent)
    completed = subprocess.run(
        [python, str(RUN_CORPUS_PY), str(parent), str(work), api_url, str(db_path), MARKER],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=work,
    )
    lines = completed.stdout.splitlines()
    if completed.returncode != 0 or MARKER not in lines:
        pytest.fail(
            f"{python} could not run the corpus (exit {completed.returncode}):\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}",
            pytrace=False,
        )
    return json.loads(lines[lines.index(MARKER) + 1])


def prefect_python() -> str:
    """The reference interpreter (Prefect 0.15.9), or skip the test that needs it."""
    python = os.environ.get("CAUDAL_COMPAT_PYTHON")
    if not python:
        pytest.skip(
            "CAUDAL_COMPAT_PYTHON is not set; run `make test` or `make compat` to build the "
            "Prefect 0.15.9 reference venv and compare against it."
        )
    return python
