"""Bitbucket: flows read, when they run, from a file in a Bitbucket Server or Cloud repository."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from caudal.storage.hosted import HostedFile
from caudal.storage.secrets import environment_value, read_secret

__all__ = ["Bitbucket"]

BITBUCKET_SERVER = "https://bitbucket.org"
BITBUCKET_CLOUD_API = "https://api.bitbucket.org"

_COMMIT_ID = re.compile(r"^[0-9a-f]{40}$")


class Bitbucket(HostedFile):
    """A flow file in a Bitbucket repository, downloaded through its REST API at each run.

    With ``workspace``, the repository is on Bitbucket Cloud: the ref is resolved to a commit
    and the file read from it, with the user name and app password from the secrets
    ``cloud_username_secret`` and ``cloud_app_password_secret`` (else the environment
    variables ``BITBUCKET_CLOUD_USERNAME`` and ``BITBUCKET_CLOUD_APP_PASSWORD``). Without it,
    the repository is in ``project`` on the Bitbucket Server (Data Center) at ``host``, read
    with the bearer token from ``access_token_secret`` (else the secret or variable
    ``BITBUCKET_ACCESS_TOKEN``). When ``ref`` is None the default branch is read (Prefect
    0.15 read ``master``).

    Args:
        project: the Bitbucket Server project key.
        repo: the repository's slug.
        workspace: the Bitbucket Cloud workspace; None for Bitbucket Server.
        host: the Bitbucket Server's address; with ``workspace``, the Cloud API's address
            (``https://api.bitbucket.org`` by default).
        path: the flow's file, relative to the repository's root.
        ref: a branch, tag or commit; the default branch when None.
        access_token_secret: the secret holding a Bitbucket Server token.
        cloud_username_secret: the secret holding the Bitbucket Cloud user name.
        cloud_app_password_secret: the secret holding its app password.
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``.

    Raises:
        ValueError: ``workspace`` and ``access_token_secret`` are both given (Cloud takes a
            user name and an app password).

    Example:
        >>> Bitbucket("DATA", "pipelines", host="https://bitbucket.city.gov",
        ...           path="flows/etl.py").serialize()["host"]
        'https://bitbucket.city.gov'
    """

    service = "Bitbucket"

    def __init__(self, project: str, repo: str, workspace: str | None = None,
                 host: str | None = None, path: str | None = None, ref: str | None = None,
                 access_token_secret: str | None = None,
                 cloud_username_secret: str | None = None,
                 cloud_app_password_secret: str | None = None, **kwargs: Any) -> None:
        if workspace and access_token_secret:
            raise ValueError("Bitbucket storage got both workspace (Bitbucket Cloud) and "
                             "access_token_secret (Bitbucket Server); Cloud reads with "
                             "cloud_username_secret and cloud_app_password_secret instead.")
        super().__init__(path=path, ref=ref, access_token_secret=access_token_secret,
                         **kwargs)
        self.project = project
        self.repo = repo
        self.workspace = workspace
        self.host = host
        self.cloud_username_secret = cloud_username_secret
        self.cloud_app_password_secret = cloud_app_password_secret

    def _download(self, path: str) -> tuple[str, str]:
        return self._from_cloud(path) if self.workspace else self._from_server(path)

    def _from_server(self, path: str) -> tuple[str, str]:
        token = self._token("BITBUCKET_ACCESS_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        base = f"{(self.host or BITBUCKET_SERVER).rstrip('/')}/rest/api/1.0"
        url = (f"/projects/{quote(self.project, safe='')}/repos/{quote(self.repo, safe='')}"
               f"/raw/{quote(path, safe='/')}")
        with self._client(base, headers) as client:
            params = {"at": self.ref} if self.ref else None
            found = self._get(client, url, f"file '{path}'", params=params)
        if found is None:
            raise self._missing(f"file '{path}' at '{self.ref or 'the default branch'}' "
                                "(or no such project, repository or ref)")
        return found.text, self.ref or "the default branch"

    def _from_cloud(self, path: str) -> tuple[str, str]:
        username = self._cloud_value(self.cloud_username_secret, "BITBUCKET_CLOUD_USERNAME")
        password = self._cloud_value(self.cloud_app_password_secret,
                                     "BITBUCKET_CLOUD_APP_PASSWORD")
        auth = (username, password) if username and password else None
        repo = f"/repositories/{quote(str(self.workspace), safe='')}/{quote(self.repo, safe='')}"
        base = f"{(self.host or BITBUCKET_CLOUD_API).rstrip('/')}/2.0"
        with self._client(base, {}, auth=auth) as client:
            ref = self.ref
            if ref is None:
                found = self._get(client, repo, "the repository")
                if found is None:
                    raise self._missing("such repository")
                ref = str(found.json()["mainbranch"]["name"])
            commit = ref
            if not _COMMIT_ID.match(ref):
                # Branch names may hold '/', which the src endpoint cannot tell from the path.
                for kind in ("branches", "tags"):
                    found = self._get(client, f"{repo}/refs/{kind}/{quote(ref, safe='')}",
                                      f"ref '{ref}'")
                    if found is not None:
                        commit = str(found.json()["target"]["hash"])
                        break
                else:
                    raise self._missing(f"branch or tag '{ref}'")
            found = self._get(client, f"{repo}/src/{commit}/{quote(path, safe='/')}",
                              f"file '{path}'")
        if found is None:
            raise self._missing(f"file '{path}' at '{ref}'")
        return found.text, commit

    def _cloud_value(self, secret: str | None, variable: str) -> str | None:
        if secret is not None:
            return read_secret(secret, "Bitbucket Cloud storage")
        return environment_value(variable)

    def _where(self) -> str:
        if self.workspace:
            return f"'{self.workspace}/{self.repo}' at {self.host or BITBUCKET_CLOUD_API}"
        return f"'{self.project}/{self.repo}' at {self.host or BITBUCKET_SERVER}"

    def _settings(self) -> dict[str, Any]:
        return {"project": self.project, "repo": self.repo, "workspace": self.workspace,
                "host": self.host, "path": self.path, "ref": self.ref,
                "access_token_secret": self.access_token_secret,
                "cloud_username_secret": self.cloud_username_secret,
                "cloud_app_password_secret": self.cloud_app_password_secret}
