"""GitLab: flows read, when they run, from a file in a GitLab project (REST API v4)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from caudal.storage.hosted import HostedFile

__all__ = ["GitLab"]

GITLAB_HOST = "https://gitlab.com"


class GitLab(HostedFile):
    """A flow file in a GitLab project, downloaded through GitLab's API at each run.

    Each run reads ``path`` at ``ref``; when ``ref`` is None, at the project's default
    branch (Prefect 0.15 read ``master``, which new GitLab projects no longer have). The token
    is the secret ``access_token_secret``, else the secret or environment variable
    ``GITLAB_ACCESS_TOKEN``, sent as ``PRIVATE-TOKEN``.

    Args:
        repo: the project's path (``"city/pipelines"``) or numeric id.
        host: the GitLab server (``https://gitlab.city.gov``); ``https://gitlab.com`` by
            default.
        path: the flow's file, relative to the repository's root.
        ref: a branch, tag or commit; the default branch when None.
        access_token_secret: the secret holding a token that may read the repository.
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``.

    Example:
        >>> GitLab("city/pipelines", path="flows/etl.py").serialize()["path"]
        'flows/etl.py'
    """

    service = "GitLab"

    def __init__(self, repo: str, host: str | None = None, path: str | None = None,
                 ref: str | None = None, access_token_secret: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(path=path, ref=ref, access_token_secret=access_token_secret,
                         **kwargs)
        self.repo = repo
        self.host = host

    def _download(self, path: str) -> tuple[str, str]:
        token = self._token("GITLAB_ACCESS_TOKEN")
        headers = {"PRIVATE-TOKEN": token} if token else {}
        project = f"/projects/{quote(str(self.repo), safe='')}"
        with self._client(f"{(self.host or GITLAB_HOST).rstrip('/')}/api/v4", headers) as client:
            ref = self.ref
            if ref is None:
                found = self._get(client, project, "the project")
                if found is None:
                    raise self._missing("such project")
                ref = str(found.json()["default_branch"])
            url = f"{project}/repository/files/{quote(path, safe='')}"
            found = self._get(client, url, f"file '{path}'", params={"ref": ref})
            if found is None:
                raise self._missing(f"file '{path}' at '{ref}' (or no such ref)")
            body = found.json()
            return base64.b64decode(body["content"]).decode(), str(body.get("commit_id") or ref)

    def _where(self) -> str:
        return f"project '{self.repo}' at {self.host or GITLAB_HOST}"

    def _settings(self) -> dict[str, Any]:
        return {"repo": self.repo, "host": self.host, "path": self.path, "ref": self.ref,
                "access_token_secret": self.access_token_secret}
