"""Real local stand-ins for the services that storages reach: git repositories, git hosts' APIs
and an HTTP file service, all on this machine.

``GitRepo`` is a repository made with the ``git`` command. ``GitHostServer`` answers on
127.0.0.1 with the URL shapes of GitHub's, GitLab's and Bitbucket's REST APIs, reading files
from ``GitRepo``s (``git show``), so that the storages speak HTTP to it as they would to the
hosts. ``WebhookServer`` keeps whatever is sent to it and gives it back. No mocks.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

GIT_ENV = {"GIT_AUTHOR_NAME": "tests", "GIT_AUTHOR_EMAIL": "tests@example.org",
           "GIT_COMMITTER_NAME": "tests", "GIT_COMMITTER_EMAIL": "tests@example.org",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}


class GitRepo:
    """A git repository in ``path``, made and changed with the real ``git`` command."""

    def __init__(self, path: Path, default_branch: str = "main") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", default_branch)
        self.default_branch = default_branch

    def git(self, *args: str, strip: bool = True) -> str:
        done = subprocess.run(["git", "-C", str(self.path), *args], capture_output=True,
                              text=True, timeout=60, env={**os.environ, **GIT_ENV})
        if done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip() if strip else done.stdout

    def commit(self, files: dict[str, str], message: str = "change") -> str:
        """Write ``files`` (path → text), commit them, and return the commit's id."""
        for name, text in files.items():
            file = self.path / name
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str) -> None:
        self.git("tag", name)

    def branch(self, name: str) -> None:
        """Create ``name`` at the current commit and switch to it."""
        self.git("checkout", "-q", "-b", name)

    def switch(self, name: str) -> None:
        self.git("checkout", "-q", name)

    def resolve(self, ref: str, kind: str = "") -> str | None:
        """The commit ``ref`` names (``kind``: ``heads`` or ``tags`` to look only there)."""
        name = f"refs/{kind}/{ref}" if kind else ref
        try:
            return self.git("rev-parse", "--verify", "-q", f"{name}^{{commit}}")
        except RuntimeError:
            return None

    def read(self, commit: str, path: str) -> tuple[str, str] | None:
        """(``blob`` or ``tree``, text or listing) of ``path`` at ``commit``, or None."""
        try:
            kind = self.git("cat-file", "-t", f"{commit}:{path}")
        except RuntimeError:
            return None
        return kind, self.git("show", f"{commit}:{path}", strip=False)


class _Server:
    """A ThreadingHTTPServer on a free loopback port, in a thread, for ``with`` blocks."""

    def __init__(self, handle: Callable[[http.server.BaseHTTPRequestHandler, bytes], None]):
        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                handle(self, self.rfile.read(length) if length else b"")

            do_GET = do_POST = do_PUT = do_PATCH = _any

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes | str | Any,
          content_type: str = "application/json") -> None:
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class WebhookServer(_Server):
    """Keeps each body sent to a path (any method but GET) and gives it back on GET.

    ``requests`` records (method, path with query, headers) of every request. With
    ``required_header`` (name, value), a request without it is answered 401.
    """

    def __init__(self, required_header: tuple[str, str] | None = None) -> None:
        self.bodies: dict[str, bytes] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.required_header = required_header
        super().__init__(self._handle)

    def _handle(self, handler: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
        self.requests.append((handler.command, handler.path, dict(handler.headers)))
        if self.required_header is not None:
            name, value = self.required_header
            if handler.headers.get(name) != value:
                reply(handler, 401, {"detail": "missing or wrong token"})
                return
        path = urlsplit(handler.path).path
        if handler.command != "GET":
            self.bodies[path] = body
            reply(handler, 201, {"stored": path})
        elif path in self.bodies:
            reply(handler, 200, self.bodies[path], "application/octet-stream")
        else:
            reply(handler, 404, {"detail": f"nothing at {path}"})


class GitHostServer(_Server):
    """GitHub's, GitLab's and Bitbucket's file APIs over ``repos`` (name → GitRepo).

    Served at: GitHub Enterprise ``/api/v3/repos/{owner}/{repo}[/commits/{ref} |
    /contents/{path}?ref=]``; GitLab ``/api/v4/projects/{id}[/repository/files/{path}?ref=]``;
    Bitbucket Server ``/rest/api/1.0/projects/{project}/repos/{repo}/raw/{path}?at=``; Bitbucket
    Cloud ``/2.0/repositories/{workspace}/{repo}[/refs/branches/{name} | /refs/tags/{name} |
    /src/{commit}/{path}]``. With ``token`` set, each request needs it as its host sends it
    (Bitbucket Cloud: ``cloud_login`` as basic auth): none is answered 404, as the hosts answer
    for private repositories, and a wrong one 401. ``large_files`` makes GitHub leave content
    out of its JSON, as it does for files over 1 MB.
    """

    def __init__(self, repos: dict[str, GitRepo], token: str | None = None,
                 cloud_login: tuple[str, str] | None = None) -> None:
        self.repos = repos
        self.token = token
        self.cloud_login = cloud_login
        self.large_files = False
        self.paths: list[str] = []
        super().__init__(self._handle)

    def _handle(self, handler: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
        split = urlsplit(handler.path)
        self.paths.append(handler.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        parts = [unquote(p) for p in split.path.split("/")[1:]]
        routes = {("api", "v3"): self._github, ("api", "v4"): self._gitlab,
                  ("rest", "api"): self._bitbucket_server, ("2.0",): self._bitbucket_cloud}
        for prefix, route in routes.items():
            if tuple(parts[:len(prefix)]) == prefix:
                status, answer, kind = route(handler, parts[len(prefix):], query)
                reply(handler, status, answer, kind)
                return
        reply(handler, 404, {"message": "Not Found"})

    def _auth(self, given: str | None, expected: str) -> int | None:
        """None when the request may go on; else the status to answer."""
        if self.token is None:
            return None
        if given is None:
            return 404
        return None if given == expected else 401

    def _github(self, handler: Any, parts: list[str], query: dict[str, str]) -> tuple:
        denied = self._auth(handler.headers.get("Authorization"), f"token {self.token}")
        if denied:
            return denied, {"message": "Bad credentials" if denied == 401 else "Not Found"}, \
                "application/json"
        repo = self.repos.get("/".join(parts[1:3]))
        if parts[0] != "repos" or repo is None:
            return 404, {"message": "Not Found"}, "application/json"
        rest = parts[3:]
        if not rest:
            return 200, {"default_branch": repo.default_branch}, "application/json"
        if rest[0] == "commits":
            sha = repo.resolve("/".join(rest[1:]))
            if sha is None:
                return 422, {"message": "No commit found for SHA"}, "application/json"
            return 200, {"sha": sha}, "application/json"
        if rest[0] == "contents":
            path = "/".join(rest[1:])
            found = repo.read(query.get("ref", repo.default_branch), path)
            if found is None:
                return 404, {"message": "Not Found"}, "application/json"
            kind, text = found
            if kind == "tree":
                return 200, [{"type": "file", "name": n} for n in text.split()], \
                    "application/json"
            if "raw" in (handler.headers.get("Accept") or ""):
                return 200, text, "text/plain"
            if self.large_files:
                return 200, {"type": "file", "encoding": "none", "content": ""}, \
                    "application/json"
            encoded = base64.encodebytes(text.encode()).decode()  # lines of 76, as GitHub
            return 200, {"type": "file", "encoding": "base64", "content": encoded}, \
                "application/json"
        return 404, {"message": "Not Found"}, "application/json"

    def _gitlab(self, handler: Any, parts: list[str], query: dict[str, str]) -> tuple:
        denied = self._auth(handler.headers.get("PRIVATE-TOKEN"), str(self.token))
        if denied:
            return denied, {"message": f"{denied} Unauthorized"}, "application/json"
        repo = self.repos.get(parts[1]) if parts[0] == "projects" and len(parts) > 1 else None
        if repo is None:
            return 404, {"message": "404 Project Not Found"}, "application/json"
        if len(parts) == 2:
            return 200, {"default_branch": repo.default_branch}, "application/json"
        if parts[2:4] == ["repository", "files"] and len(parts) == 5:
            sha = repo.resolve(query.get("ref", ""))
            found = repo.read(sha, parts[4]) if sha else None
            if found is None or found[0] != "blob":
                return 404, {"message": "404 File Not Found"}, "application/json"
            return 200, {"file_path": parts[4], "encoding": "base64", "commit_id": sha,
                         "content": base64.b64encode(found[1].encode()).decode()}, \
                "application/json"
        return 404, {"message": "404 Not Found"}, "application/json"

    def _bitbucket_server(self, handler: Any, parts: list[str], query: dict[str, str]) -> tuple:
        denied = self._auth(handler.headers.get("Authorization"), f"Bearer {self.token}")
        if denied:
            return denied, {"errors": [{"message": "Authentication failed."}]}, \
                "application/json"
        # parts: 1.0, projects, P, repos, r, raw, path...
        if parts[:2] != ["1.0", "projects"] or parts[3:4] != ["repos"] or parts[5:6] != ["raw"]:
            return 404, {"errors": [{"message": "Not found"}]}, "application/json"
        repo = self.repos.get(f"{parts[2]}/{parts[4]}")
        sha = repo.resolve(query.get("at", repo.default_branch)) if repo else None
        found = repo.read(sha, "/".join(parts[6:])) if repo and sha else None
        if found is None or found[0] != "blob":
            return 404, {"errors": [{"message": "Not found"}]}, "application/json"
        return 200, found[1], "text/plain"

    def _bitbucket_cloud(self, handler: Any, parts: list[str], query: dict[str, str]) -> tuple:
        if self.cloud_login is not None:
            user, password = self.cloud_login
            expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            given = handler.headers.get("Authorization")
            if given != expected:
                return (401 if given else 404), {"error": {"message": "Unauthorized"}}, \
                    "application/json"
        repo = self.repos.get("/".join(parts[1:3])) if parts[:1] == ["repositories"] else None
        if repo is None:
            return 404, {"error": {"message": "Repository not found"}}, "application/json"
        rest = parts[3:]
        if not rest:
            return 200, {"mainbranch": {"name": repo.default_branch}}, "application/json"
        if rest[0] == "refs" and len(rest) >= 3:
            sha = repo.resolve("/".join(rest[2:]), kind="heads" if rest[1] == "branches"
                               else "tags")
            if sha is None:
                return 404, {"error": {"message": "not found"}}, "application/json"
            return 200, {"name": "/".join(rest[2:]), "target": {"hash": sha}}, \
                "application/json"
        if rest[0] == "src" and len(rest) >= 3:
            found = repo.read(rest[1], "/".join(rest[2:]))
            if found is None or found[0] != "blob":
                return 404, {"error": {"message": "No such file or directory"}}, \
                    "application/json"
            return 200, found[1], "text/plain"
        return 404, {"error": {"message": "Not found"}}, "application/json"
