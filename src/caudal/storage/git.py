"""Git: flows loaded, when they run, from a file in a git repository cloned with ``git``."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caudal.exceptions import FlowStorageError
from caudal.storage.base import Storage
from caudal.storage.extract import extract_flows_from_script, pick_flow
from caudal.storage.secrets import read_secret
from caudal.utilities.logging import get_logger

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["Git"]

GIT_TIMEOUT_S = 600.0
"""How long one ``git`` command (a clone, a fetch) may take, in seconds."""

_LOCAL_PREFIXES = ("/", "~", "./", "../")


class Git(Storage):
    """Flows kept as a ``.py`` file in a git repository, read from it each time a run starts.

    Nothing is uploaded: commit and push the flow's file, register the flow, and every run
    clones the repository (``clone_depth`` commits deep) at ``branch_name``, ``tag`` or
    ``commit`` (the default branch when none is given) and runs ``flow_path`` from it. A run
    therefore gets what is pushed when it starts, without registering again. The ``git``
    command must be installed where flows are loaded (``apt-get install git``).

    The repository is cloned from ``https://<repo_host>/<repo>.git``, or with ``use_ssh``
    from ``git@<repo_host>:<repo>.git``. ``repo_host`` may also be a URL
    (``"file:///srv/git"``, ``"http://gitea.internal:3000"``) or a folder (``"/srv/git"``),
    to which ``/<repo>`` is added as it is; ``git_clone_url_secret_name`` names a secret
    holding the whole URL instead. Secrets are read where the flow loads (see
    ``caudal.storage.secrets``), and only their names are registered.

    Args:
        flow_path: the flow's file, relative to the repository's root.
        repo: the repository, such as ``"org/pipelines"``.
        repo_host: the git host, or a URL or folder that holds the repository.
        flow_name: which flow of the file to run; by default the one of the name asked for.
        git_token_secret_name: the secret holding an access token for https clones.
        git_token_username: the user name sent with the token (by default ``repo``'s owner).
        git_clone_url_secret_name: the secret holding the full clone URL; ``repo``,
            ``repo_host``, the token settings and ``use_ssh`` are then ignored.
        branch_name: the branch to clone.
        tag: the tag to clone.
        commit: the commit to check out (a full id is fetched alone, where the host allows).
        clone_depth: how many commits of history to fetch.
        use_ssh: clone over ssh with the keys of the user the flow loads as.
        format_access_token: send the token as ``<git_token_username>:<token>``; False sends
            it as it is (for hosts that want ``oauth2:<token>`` or a token alone).
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``.

    Raises:
        ValueError: neither ``repo`` nor ``git_clone_url_secret_name`` is given, more than
            one of ``branch_name``, ``tag`` and ``commit`` is, or ``clone_depth`` is below 1.

    Example:
        >>> storage = Git("flows/etl.py", repo="city/pipelines", branch_name="prod")
        >>> storage.clone_url()
        'https://github.com/city/pipelines.git'
        >>> Git("etl.py", repo="pipelines", repo_host="file:///srv/git").clone_url()
        'file:///srv/git/pipelines'
    """

    def __init__(self, flow_path: str, repo: str | None = None, repo_host: str = "github.com",
                 flow_name: str | None = None, git_token_secret_name: str | None = None,
                 git_token_username: str | None = None,
                 git_clone_url_secret_name: str | None = None, branch_name: str | None = None,
                 tag: str | None = None, commit: str | None = None, clone_depth: int = 1,
                 use_ssh: bool = False, format_access_token: bool = True,
                 **kwargs: Any) -> None:
        if repo is None and git_clone_url_secret_name is None:
            raise ValueError("Git storage needs the repository: pass repo='org/name' (with "
                             "repo_host), or git_clone_url_secret_name=... for a secret that "
                             "holds the clone URL.")
        refs = [name for name, value in (("branch_name", branch_name), ("tag", tag),
                                         ("commit", commit)) if value]
        if len(refs) > 1:
            raise ValueError(f"Git storage takes one of branch_name, tag and commit; got "
                             f"{' and '.join(refs)}.")
        if int(clone_depth) < 1:
            raise ValueError(f"Git storage's clone_depth must be 1 or more, not {clone_depth}.")
        kwargs.pop("stored_as_script", None)  # always a script: the repository holds the file
        super().__init__(stored_as_script=True, **kwargs)
        self.flow_path = flow_path
        self.repo = repo
        self.repo_host = repo_host
        self.flow_name = flow_name
        self.git_token_secret_name = git_token_secret_name
        self.git_token_username = (git_token_username if git_token_username is not None
                                   else repo.split("/")[0] if repo else None)
        self.git_clone_url_secret_name = git_clone_url_secret_name
        self.branch_name = branch_name
        self.tag = tag
        self.commit = commit
        self.clone_depth = int(clone_depth)
        self.use_ssh = use_ssh
        self.format_access_token = format_access_token
        logger = get_logger("Git")
        if git_clone_url_secret_name is not None and (repo or git_token_secret_name or use_ssh):
            logger.warning("Git storage is given git_clone_url_secret_name: the URL in that "
                           "secret is cloned, and repo, repo_host, git_token_secret_name, "
                           "git_token_username, use_ssh and format_access_token are ignored.")
        elif use_ssh and git_token_secret_name is not None:
            logger.warning("Git storage is given use_ssh=True and git_token_secret_name: it "
                           "clones over ssh, and the token is not used.")

    @property
    def ref(self) -> str | None:
        """The branch, tag or commit that runs check out (None: the default branch)."""
        return self.branch_name or self.tag or self.commit

    def clone_url(self) -> str:
        """The URL (or folder) that runs clone, with the token in it when one is set.

        Raises:
            FlowStorageError: a secret it needs is not set.
        """
        if self.git_clone_url_secret_name is not None:
            return read_secret(self.git_clone_url_secret_name,
                               "Git storage's git_clone_url_secret_name")
        host, repo = self.repo_host, str(self.repo)
        if host.startswith(_LOCAL_PREFIXES):
            return os.path.join(os.path.expanduser(host), repo)
        if "://" in host:
            scheme, rest = host.split("://", 1)
            token = self._token() if scheme in ("http", "https") else ""
            return f"{scheme}://{token + '@' if token else ''}{rest.rstrip('/')}/{repo}"
        if self.use_ssh:
            return f"git@{host}:{repo}.git"
        token = self._token()
        return f"https://{token + '@' if token else ''}{host}/{repo}.git"

    def add_flow(self, flow: Flow) -> str:
        """Record that ``flow`` is in ``flow_path``; returns ``flow_path``. Nothing is pushed:
        the file must be committed and pushed for runs to find it.

        Raises:
            ValueError: a flow of that name is already here.
        """
        self._check_new(flow)
        self._record_source(flow)
        self.flows[flow.name] = self.flow_path
        return self.flow_path

    def get_flow(self, flow_name: str) -> Flow:
        """Clone the repository, run ``flow_path`` from it and return the flow.

        Raises:
            FlowStorageError: the flow is not in this storage, git is missing, the clone
                fails (no such repository, branch, tag or commit; no access), the file is
                not in the repository, or it does not define the flow.
        """
        self._check_contains(flow_name)
        with tempfile.TemporaryDirectory(prefix="caudal-git-") as folder:
            checkout = Path(folder) / "repo"
            commit = self._clone(checkout)
            text = self._read_file(checkout)
            flows = extract_flows_from_script(text, str(checkout / self.flow_path.lstrip("/")))
            where = f"{self.flow_path} at commit {commit[:12]} of {self._display_url()}"
            flow = pick_flow(flows, self.flow_name or flow_name, where)
        get_logger("Git").info("Loaded flow '%s' from %s.", flow.name, where)
        return flow

    # --- for Storage ------------------------------------------------------------------------

    def _read_source(self, flow_name: str) -> str | None:
        with tempfile.TemporaryDirectory(prefix="caudal-git-") as folder:
            checkout = Path(folder) / "repo"
            self._clone(checkout)
            return self._read_file(checkout)

    def _settings(self) -> dict[str, Any]:
        return {"flow_path": self.flow_path, "repo": self.repo, "repo_host": self.repo_host,
                "flow_name": self.flow_name,
                "git_token_secret_name": self.git_token_secret_name,
                "git_token_username": self.git_token_username,
                "git_clone_url_secret_name": self.git_clone_url_secret_name,
                "branch_name": self.branch_name, "tag": self.tag, "commit": self.commit,
                "clone_depth": self.clone_depth, "use_ssh": self.use_ssh,
                "format_access_token": self.format_access_token}

    # --- cloning ----------------------------------------------------------------------------

    def _token(self) -> str:
        if self.git_token_secret_name is None or self.use_ssh:
            return ""
        token = read_secret(self.git_token_secret_name, "Git storage's git_token_secret_name")
        return f"{self.git_token_username}:{token}" if self.format_access_token else token

    def _clone(self, into: Path) -> str:
        """Check the repository out into ``into`` at the storage's ref; the commit's id."""
        url = self.clone_url()
        depth = ["--depth", str(self.clone_depth)]
        if self.commit is None:
            branch = ["--branch", self.ref] if self.ref else []
            self._git(["clone", "-q", "--single-branch", *depth, *branch, url, str(into)], url)
        else:
            self._git(["init", "-q", str(into)], url)
            self._git(["-C", str(into), "remote", "add", "origin", url], url)
            try:
                # A full commit id is fetched alone, where the host allows it (GitHub and
                # GitLab do, and so does a repository on this machine).
                self._git(["-C", str(into), "fetch", "-q", *depth, "origin", self.commit], url)
            except FlowStorageError:
                # A short id, or a host that sends only what a branch or tag points to: fetch
                # every branch and tag in full, and find the commit among them.
                self._git(["-C", str(into), "fetch", "-q", "--tags", "origin",
                           "+refs/heads/*:refs/remotes/origin/*"], url)
            self._git(["-C", str(into), "-c", "advice.detachedHead=false", "checkout", "-q",
                       self.commit], url)
        return self._git(["-C", str(into), "rev-parse", "HEAD"], url).strip()

    def _read_file(self, checkout: Path) -> str:
        file = checkout / self.flow_path.lstrip("/")  # relative to the root, however written
        if not file.is_file():
            raise FlowStorageError(
                f"Flow file '{self.flow_path}' is not in the repository {self._display_url()} "
                f"at {self._describe_ref()}; commit and push it, or correct flow_path.",
                path=self.flow_path)
        return file.read_text()

    def _git(self, args: list[str], url: str) -> str:
        from caudal.configuration import child_environment

        # No prompt for a user name or password: a run has nobody to answer it.
        env = child_environment(extra={"GIT_TERMINAL_PROMPT": "0"})
        try:
            done = subprocess.run(["git", *args], capture_output=True, text=True, env=env,
                                  stdin=subprocess.DEVNULL, timeout=GIT_TIMEOUT_S)
        except FileNotFoundError as exc:
            raise FlowStorageError(
                "Git storage needs the 'git' command where flows are loaded, and it is not "
                "installed here (apt-get install git, or the image's package manager).",
                path=self.flow_path) from exc
        except subprocess.TimeoutExpired as exc:
            raise FlowStorageError(
                f"'git {args[0] if args[0] != '-C' else args[2]}' of {self._display_url()} "
                f"took longer than {GIT_TIMEOUT_S:.0f} s; is the host reachable from here?",
                path=self.flow_path) from exc
        if done.returncode != 0:
            detail = self._redact(done.stderr.strip(), url) or f"exit code {done.returncode}"
            raise FlowStorageError(
                f"Could not get {self._describe_ref()} of the repository "
                f"{self._display_url()}: {detail}. Check that the repository and the "
                f"{'branch, tag or commit' if self.ref else 'default branch'} exist and that "
                "this machine may read them (token secret, ssh key).", path=self.flow_path)
        return done.stdout

    def _describe_ref(self) -> str:
        if self.branch_name:
            return f"branch '{self.branch_name}'"
        if self.tag:
            return f"tag '{self.tag}'"
        if self.commit:
            return f"commit '{self.commit}'"
        return "the default branch"

    def _display_url(self) -> str:
        """The repository's address for messages, without credentials."""
        if self.git_clone_url_secret_name is not None:
            return f"in secret '{self.git_clone_url_secret_name}'"
        if self.repo_host.startswith(_LOCAL_PREFIXES) or "://" in self.repo_host:
            return f"'{self.repo_host.rstrip('/')}/{self.repo}'"
        if self.use_ssh:
            return f"'git@{self.repo_host}:{self.repo}.git'"
        return f"'https://{self.repo_host}/{self.repo}.git'"

    @staticmethod
    def _redact(text: str, url: str) -> str:
        """``text`` without the credentials that ``url`` carries."""
        found = re.match(r"^[a-z][a-z0-9+.-]*://([^/@]+)@", url)
        return text.replace(found.group(1), "***") if found else text
