"""CodeCommit: Prefect 0.15's AWS CodeCommit storage, kept so that flows declaring it import.

caudal reads CodeCommit repositories with ``Git`` storage over HTTPS; this class takes
Prefect's arguments and raises ``FlowStorageError`` saying so when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from caudal.exceptions import FlowStorageError
from caudal.storage.base import Storage

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["CodeCommit"]

INSTEAD = (
    "CodeCommit storage is not supported by caudal (flow '{flow}', repository '{repo}'). "
    "Clone the repository with Git storage instead: Git(flow_path='{path}', "
    "repo='v1/repos/{repo}', repo_host='https://git-codecommit.<region>.amazonaws.com', "
    "git_token_username='<HTTPS Git user name>', git_token_secret_name='<secret holding its "
    "password>'{commit}), with HTTPS Git credentials made for an IAM user."
)


class CodeCommit(Storage):
    """Prefect 0.15's CodeCommit storage: accepted, described, and refused when used.

    ``add_flow``, ``build`` and ``get_flow`` raise ``FlowStorageError`` with the ``Git``
    storage that reads the same repository.

    Example:
        >>> CodeCommit("pipelines", path="flows/etl.py").serialize()["repo"]
        'pipelines'
    """

    def __init__(self, repo: str, path: str | None = None, commit: str | None = None,
                 client_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.repo = repo
        self.path = path
        self.commit = commit
        self.client_options = dict(client_options or {})

    def add_flow(self, flow: Flow) -> str:
        """Refuse, naming the Git storage that reads the same repository.

        Raises:
            FlowStorageError: always.
        """
        self._refuse(flow.name)

    def build(self) -> Storage:
        """Returns the storage: nothing is uploaded to CodeCommit."""
        return self

    def get_flow(self, flow_name: str) -> Flow:
        """Refuse, naming the Git storage that reads the same repository.

        Raises:
            FlowStorageError: always.
        """
        self._refuse(flow_name)

    def _refuse(self, flow: str) -> NoReturn:
        commit = f", commit='{self.commit}'" if self.commit else ""
        raise FlowStorageError(INSTEAD.format(flow=flow, repo=self.repo, commit=commit,
                                              path=self.path or "<flow file>"), path=self.repo)

    def _settings(self) -> dict[str, Any]:
        return {"repo": self.repo, "path": self.path, "commit": self.commit}
