"""Storage: the contract every place that keeps flows fulfils, and the bytes a flow is kept as.

A storage records, for each flow added, a location (``flows``: name → location) and the text of
the file that defines the flow (``flow_sources``: name → text). ``serialize()`` describes both to
the server; ``Storage.from_serialized`` rebuilds the storage on an agent, whose
``get_flow(name)`` then rebuilds the flow.
"""

from __future__ import annotations

import datetime
import inspect
import pickle
import platform
import re
import traceback
from typing import TYPE_CHECKING, Any, ClassVar

from caudal.exceptions import FlowStorageError
from caudal.storage.extract import find_flow_source

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["Storage", "flow_from_bytes", "flow_to_bytes"]

# Bumped when the stored envelope changes shape; loaders refuse formats they do not know.
PAYLOAD_FORMAT = 1

# Keys of client options that hold credentials: never sent to the server in a description.
SECRET_OPTION_KEYS = frozenset({
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "key", "secret",
    "token", "password", "credentials", "account_key", "sas_token", "connection_string",
})


class Storage:
    """Where a flow's code is kept, so that an agent on another machine can rebuild the flow.

    Subclasses implement ``add_flow`` and ``get_flow``; those that upload (``GCS``, ``S3``,
    ``FSSpec``) do so in ``build``. A flow is kept as a cloudpickle of the ``Flow`` object, or,
    with ``stored_as_script=True``, as the ``.py`` file that builds it. Either way the text of
    the flow's source file is kept too, for the UI: it travels in ``serialize()["flow_sources"]``
    when the flow is registered, and ``get_flow_source(name)`` reads it back from the storage.

    Args:
        result: kept for Prefect 0.15 code that passes one; unused.
        secrets: names of secrets the flow needs at run time; recorded, not resolved here.
        labels: labels an agent must have to run flows from this storage.
        add_default_labels: add the storage's default labels (``Local``: the host name).
        stored_as_script: keep the flow's ``.py`` file instead of a pickle of the flow.
    """

    _types: ClassVar[dict[str, type[Storage]]] = {}

    def __init__(self, result: Any = None, secrets: list[str] | None = None,
                 labels: list[str] | None = None, add_default_labels: bool | None = None,
                 stored_as_script: bool = False) -> None:
        self.result = result
        self.secrets = list(secrets or [])
        self._labels = list(labels or [])
        self.add_default_labels = True if add_default_labels is None else add_default_labels
        self.stored_as_script = stored_as_script
        self.path: str | None = None
        self.flows: dict[str, str] = {}
        self.flow_sources: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Storage._types[cls.__name__] = cls

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {sorted(self.flows)}>"

    def __contains__(self, flow_name: object) -> bool:
        return flow_name in self.flows

    @property
    def default_labels(self) -> list[str]:
        """Labels this kind of storage adds unless ``add_default_labels=False``."""
        return []

    @property
    def labels(self) -> list[str]:
        """The labels an agent needs to run flows from this storage, sorted."""
        extra = self.default_labels if self.add_default_labels else []
        return sorted(set(self._labels) | set(extra))

    def add_flow(self, flow: Flow) -> str:
        """Record ``flow`` in this storage and return its location.

        Raises:
            ValueError: a flow of the same name is already in this storage.
        """
        raise NotImplementedError

    def remove_flow(self, flow_name: str) -> None:
        """Forget ``flow_name`` (and its source text), so that ``add_flow`` takes a flow of
        that name again: an edited flow registered again from the same process. Does nothing
        when the flow is not here."""
        self.flows.pop(flow_name, None)
        self.flow_sources.pop(flow_name, None)

    def get_flow(self, flow_name: str) -> Flow:
        """Rebuild the flow ``flow_name`` from where it is stored.

        Raises:
            FlowStorageError: the flow is not in this storage, nothing is stored at its
                location, or its code or packages are missing here.
        """
        raise NotImplementedError

    def build(self) -> Storage:
        """Put every added flow in place (uploads happen here) and return the storage."""
        return self

    def get_flow_source(self, flow_name: str) -> str:
        """The text of the file that defines ``flow_name``, for showing in the UI.

        Registration sends this text in ``serialize()["flow_sources"]``, so the server shows
        it without reaching the storage; this method reads it back from the storage itself.

        Raises:
            FlowStorageError: the flow is not in this storage, or no source file was found
                when it was added.
        """
        self._check_contains(flow_name)
        if flow_name in self.flow_sources:
            return self.flow_sources[flow_name]
        text = self._read_source(flow_name)
        if text is None:
            raise FlowStorageError(
                f"No source file was kept for flow '{flow_name}'; add_flow found no file "
                "defining it (flows built in an interactive session have none).",
                path=self.flows[flow_name])
        return text

    def serialize(self) -> dict[str, Any]:
        """A JSON-safe description: type, settings, flow locations, source texts and labels.

        ``Storage.from_serialized`` turns it back into a storage. Credentials in client
        options are left out; the agent supplies its own.
        """
        return {
            "type": type(self).__name__,
            **self._settings(),
            "stored_as_script": self.stored_as_script,
            "flows": dict(self.flows),
            "flow_sources": dict(self.flow_sources),
            "labels": self.labels,
            "secrets": list(self.secrets),
        }

    @staticmethod
    def from_serialized(data: dict[str, Any]) -> Storage:
        """The storage that ``serialize()`` described, with its flows' locations.

        Raises:
            ValueError: ``data["type"]`` is not a storage type caudal knows.
        """
        cls = Storage._types.get(str(data.get("type")))
        if cls is None:
            raise ValueError(f"Unknown storage type '{data.get('type')}'; expected one of "
                             f"{', '.join(repr(n) for n in sorted(Storage._types))}.")
        params = inspect.signature(cls.__init__).parameters
        kwargs = {k: v for k, v in data.items() if k in params and k != "self"}
        if "labels" in data:
            kwargs["labels"] = data["labels"]
            kwargs["add_default_labels"] = False  # the labels already include them
        storage = cls(**kwargs)
        storage.flows = dict(data.get("flows") or {})
        storage.flow_sources = dict(data.get("flow_sources") or {})
        return storage

    # --- for subclasses ---------------------------------------------------------------------

    def _settings(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this storage elsewhere (JSON-safe)."""
        return {}

    def _read_source(self, flow_name: str) -> str | None:
        """The source text kept next to the flow in the storage, if any."""
        return None

    def _check_contains(self, flow_name: str) -> None:
        if flow_name not in self.flows:
            raise FlowStorageError(
                f"Flow '{flow_name}' is not in this {type(self).__name__} storage; it holds "
                f"{', '.join(repr(n) for n in sorted(self.flows)) or 'no flows'}. "
                "Add it with storage.add_flow(flow) first.", path=flow_name)

    def _check_new(self, flow: Flow) -> None:
        if flow.name in self.flows:
            raise ValueError(f"A flow named '{flow.name}' is already in this storage.")

    def _record_source(self, flow: Flow) -> str | None:
        """Find and keep the text of ``flow``'s source file; return the file's path."""
        found = find_flow_source(flow)
        if found is None:
            return None
        path, text = found
        self.flow_sources[flow.name] = text
        return path


def flow_to_bytes(flow: Flow) -> bytes:
    """``flow`` as bytes that ``flow_from_bytes`` turns back into a flow in another process.

    The flow is a cloudpickle wrapped in a plain-pickle envelope that names the Python and
    caudal versions that wrote it, so that a failed load can say what differs.
    """
    import cloudpickle

    from caudal import __version__

    return pickle.dumps({
        "format": PAYLOAD_FORMAT,
        "python": platform.python_version(),
        "caudal": __version__,
        "flow_name": flow.name,
        "flow": cloudpickle.dumps(flow),
    })


def flow_from_bytes(data: bytes, location: str) -> Flow:
    """The flow that ``flow_to_bytes`` wrote, read from ``location`` (named in errors).

    Raises:
        FlowStorageError: the bytes are not a stored flow, or the flow's code or packages are
            missing here; the message says which module is missing and what to do.
    """
    import cloudpickle

    from caudal import __version__

    try:
        envelope = pickle.loads(data)
        if not isinstance(envelope, dict) or envelope.get("format") != PAYLOAD_FORMAT:
            raise ValueError("not a caudal flow payload")
    except Exception as exc:
        raise FlowStorageError(
            f"'{location}' does not hold a flow stored by this version of caudal ({exc}). "
            "Store the flow again with this version.", path=location) from exc
    name = envelope.get("flow_name")
    try:
        return cloudpickle.loads(envelope["flow"])
    except Exception as exc:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        missing = getattr(exc, "name", None) if isinstance(exc, ImportError) else None
        hint = (f"Install the package that provides module '{missing}' here (the flow's tasks "
                "import it or are defined in it)" if missing else
                "Install the same versions of the packages the flow's code uses here")
        raise FlowStorageError(
            f"Flow '{name}' stored at '{location}' cannot be loaded here: "
            f"{type(exc).__name__}: {exc}. It was stored with Python {envelope.get('python')} "
            f"and caudal {envelope.get('caudal')}; this is Python "
            f"{platform.python_version()} and caudal {__version__}. {hint}, or store the "
            "flow with stored_as_script=True so that its file travels with it.\n\n" + text,
            path=location, traceback=text) from exc


def flow_key(flow_name: str, suffix: str) -> str:
    """A fresh relative location for a flow: ``<slug of name>/<UTC timestamp><suffix>``."""
    slug = re.sub(r"[^a-z0-9]+", "-", flow_name.lower()).strip("-") or "flow"
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H-%M-%S-%f")
    return f"{slug}/{stamp}{suffix}"


def source_key(location: str) -> str:
    """Where the source text of the flow pickled at ``location`` is kept, beside it."""
    return location[: -len(".pkl")] + ".py" if location.endswith(".pkl") else location + ".py"


def public_options(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` without credentials, nested dicts included (``"token": "anon"`` stays)."""
    cleaned: dict[str, Any] = {}
    for name, value in options.items():
        if name in SECRET_OPTION_KEYS and value != "anon":
            continue
        cleaned[name] = public_options(value) if isinstance(value, dict) else value
    return cleaned
