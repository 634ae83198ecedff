"""A flow file read through a git host's HTTP API: what GitHub, GitLab and Bitbucket share.

Nothing is uploaded: the flow's ``.py`` file is committed and pushed, and each run downloads
it from the host's API (with httpx, imported on first use) and runs it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from caudal.exceptions import FlowStorageError
from caudal.storage.base import Storage
from caudal.storage.extract import extract_flows_from_script, pick_flow
from caudal.storage.secrets import environment_value, find_secret, read_secret
from caudal.utilities.logging import get_logger

if TYPE_CHECKING:
    import httpx

    from caudal.core.flow import Flow

__all__ = ["HostedFile"]

REQUEST_TIMEOUT_S = 60.0
"""How long one request to a git host may wait for an answer, in seconds."""

RETRIES = 5
"""How many times a request is sent while the host answers 429 or 502-504 (rate limits)."""


class HostedFile(Storage):
    """Base of storages whose flows are files in a repository on a git host.

    A subclass names its ``service``, says where a run should point when it fails
    (``_where``), and downloads a file's text with ``_download``.
    """

    service: ClassVar[str] = "a git host"

    def __init__(self, path: str | None, ref: str | None, access_token_secret: str | None,
                 **kwargs: Any) -> None:
        kwargs.pop("stored_as_script", None)  # always a script: the repository holds the file
        super().__init__(stored_as_script=True, **kwargs)
        self.path = path
        self.ref = ref
        self.access_token_secret = access_token_secret

    def add_flow(self, flow: Flow) -> str:
        """Record that ``flow`` is in the file ``path`` of the repository; returns ``path``.

        Raises:
            ValueError: a flow of that name is already here, or no ``path`` was given.
        """
        if not self.path:
            raise ValueError(f"{type(self).__name__} storage needs path=... : the flow's file "
                             "in the repository, relative to its root.")
        self._check_new(flow)
        self._record_source(flow)
        self.flows[flow.name] = self.path
        return self.path

    def get_flow(self, flow_name: str) -> Flow:
        """Download the flow's file from the host and run it (see ``Storage.get_flow``)."""
        self._check_contains(flow_name)
        path = self.flows[flow_name]
        text, commit = self._download(path)
        where = f"{path} at {commit} of {self._where()}"
        flow = pick_flow(extract_flows_from_script(text, f"<{self.service}>/{path}"),
                         flow_name, where)
        get_logger(type(self).__name__).info("Loaded flow '%s' from %s.", flow.name, where)
        return flow

    def _read_source(self, flow_name: str) -> str | None:
        return self._download(self.flows[flow_name])[0]

    # --- for subclasses ---------------------------------------------------------------------

    def _download(self, path: str) -> tuple[str, str]:
        """The text of ``path`` at the storage's ref, and the commit (or ref) it was read at."""
        raise NotImplementedError

    def _where(self) -> str:
        """The repository, named for messages."""
        raise NotImplementedError

    def _token(self, default_name: str) -> str | None:
        """The access token: the ``access_token_secret`` secret, else the secret or the
        environment variable ``default_name`` (as Prefect 0.15 looks), else None."""
        if self.access_token_secret is not None:
            return read_secret(self.access_token_secret,
                               f"{type(self).__name__} storage's access_token_secret")
        return find_secret(default_name) or environment_value(default_name)

    def _client(self, base_url: str, headers: dict[str, str],
                auth: tuple[str, str] | None = None) -> httpx.Client:
        import httpx

        return httpx.Client(base_url=base_url, headers=headers, auth=auth,
                            timeout=REQUEST_TIMEOUT_S, follow_redirects=True)

    def _get(self, client: httpx.Client, url: str, what: str,
             params: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> httpx.Response | None:
        """GET ``url``; None when the host answers 404 (the caller says what was missing).

        Raises:
            FlowStorageError: the host cannot be reached, refuses the credentials, or
                answers another error.
        """
        import httpx

        for attempt in range(RETRIES):
            try:
                response = client.get(url, params=params, headers=headers)
            except httpx.HTTPError as exc:
                raise FlowStorageError(
                    f"Could not reach {self.service} at {client.base_url} for {what}: "
                    f"{type(exc).__name__}: {exc}.", path=self.path) from exc
            if response.status_code not in (429, 502, 503, 504) or attempt == RETRIES - 1:
                break
            time.sleep(0.25 * 2 ** attempt)
        if response.status_code == 404:
            return None
        if response.status_code in (401, 403):
            raise FlowStorageError(
                f"{self.service} refused access to {self._where()} ({response.status_code}) "
                f"when reading {what}; check the token (access_token_secret="
                f"{self.access_token_secret!r}) and that it may read the repository.",
                path=self.path)
        if response.is_error:
            raise FlowStorageError(
                f"{self.service} answered {response.status_code} when reading {what} of "
                f"{self._where()}: {response.text[:300].strip()}", path=self.path)
        return response

    def _missing(self, what: str) -> FlowStorageError:
        return FlowStorageError(
            f"{self.service} has no {what} in {self._where()}; check the storage's "
            "repository, path and ref, and that the token may see the repository (a private "
            "one answers 'not found' to those who may not).", path=self.path)
