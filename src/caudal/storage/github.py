"""GitHub: flows read, when they run, from a file in a GitHub repository (REST API)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from caudal.storage.hosted import HostedFile

__all__ = ["GitHub"]

GITHUB_API = "https://api.github.com"


class GitHub(HostedFile):
    """A flow file in a GitHub repository, downloaded through GitHub's REST API at each run.

    Each run reads ``path`` at ``ref`` (the default branch when None), resolved to a commit
    first, so the run's log names the commit it ran. The token is the secret
    ``access_token_secret``, else the secret or environment variable ``GITHUB_ACCESS_TOKEN``;
    without one, only public repositories can be read.

    Args:
        repo: the repository, such as ``"city/pipelines"``.
        path: the flow's file, relative to the repository's root.
        ref: a branch, tag or commit; the default branch when None.
        access_token_secret: the secret holding a token that may read the repository.
        base_url: the API's address for GitHub Enterprise (``https://git.city.gov/api/v3``);
            ``https://api.github.com`` by default.
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``.

    Example:
        >>> storage = GitHub("city/pipelines", "flows/etl.py", ref="prod")
        >>> storage.serialize()["repo"], storage.serialize()["ref"]
        ('city/pipelines', 'prod')
    """

    service = "GitHub"

    def __init__(self, repo: str, path: str, ref: str | None = None,
                 access_token_secret: str | None = None, base_url: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(path=path, ref=ref, access_token_secret=access_token_secret,
                         **kwargs)
        self.repo = repo
        self.base_url = base_url

    def _download(self, path: str) -> tuple[str, str]:
        token = self._token("GITHUB_ACCESS_TOKEN")
        headers = {"Accept": "application/vnd.github+json"}
        if token:
            headers["Authorization"] = f"token {token}"
        repo = f"/repos/{quote(self.repo, safe='/')}"
        with self._client((self.base_url or GITHUB_API).rstrip("/"), headers) as client:
            ref = self.ref
            if ref is None:
                found = self._get(client, repo, "the repository")
                if found is None:
                    raise self._missing("such repository")
                ref = str(found.json()["default_branch"])
            found = self._get(client, f"{repo}/commits/{quote(ref, safe='/')}", f"ref '{ref}'")
            if found is None:
                raise self._missing(f"branch, tag or commit '{ref}'")
            commit = str(found.json()["sha"])
            contents = f"{repo}/contents/{quote(path, safe='/')}"
            found = self._get(client, contents, f"file '{path}'", params={"ref": commit})
            if found is None:
                raise self._missing(f"file '{path}' at '{ref}'")
            body = found.json()
            if isinstance(body, list) or body.get("type") != "file":
                raise self._missing(f"file '{path}' (it is a folder or a link) at '{ref}'")
            if body.get("encoding") == "base64":
                return base64.b64decode(body["content"]).decode(), commit
            # Files over 1 MB come without content in JSON; ask for the raw bytes.
            raw = self._get(client, contents, f"file '{path}'", params={"ref": commit},
                            headers={"Accept": "application/vnd.github.raw+json"})
            if raw is None:
                raise self._missing(f"file '{path}' at '{ref}'")
            return raw.text, commit

    def _where(self) -> str:
        return f"'{self.repo}' at {self.base_url or GITHUB_API}"

    def _settings(self) -> dict[str, Any]:
        return {"repo": self.repo, "path": self.path, "ref": self.ref,
                "access_token_secret": self.access_token_secret, "base_url": self.base_url}
