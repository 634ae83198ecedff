"""Following objects in a cluster: a list, then a watch from where the list ended.

An ``Informer`` keeps the latest version of every object of one kind (jobs, pods) that
matches a label selector in one namespace, by name, in a thread of its own. It lists them,
then watches for changes from the list's resource version. When the watch ends (its time
is up, or the connection dropped) it watches again from the last version it saw; when the
cluster no longer has that version (410 Gone) it lists again, and an object that is no
longer in the list counts as deleted. So a change made while it was disconnected is never
missed. An API it cannot reach is tried again, waiting longer each time, forever.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from caudal.utilities.logging import get_logger

__all__ = ["Informer"]

logger = get_logger("agent.kubernetes")

WATCH_TIMEOUT_S = 50
"""How long one watch request lasts before it is made again (the API server may cut it)."""
MAX_BACKOFF_S = 30.0
MAX_DELETED = 10_000


class Informer:
    """The objects of one kind in ``namespace`` matching ``selector``, kept up to date.

    Args:
        list_call: the client's list method for the kind (``BatchV1Api.list_namespaced_job``).
        namespace: the namespace watched.
        selector: a label selector (``app.kubernetes.io/managed-by=caudal``).
        kind: the kind's name, for log messages.
    """

    def __init__(self, list_call: Callable[..., Any], namespace: str, selector: str,
                 kind: str, watch_timeout_s: int = WATCH_TIMEOUT_S) -> None:
        self.list_call = list_call
        self.namespace = namespace
        self.selector = selector
        self.kind = kind
        self.watch_timeout_s = watch_timeout_s
        self._objects: dict[str, dict[str, Any]] = {}
        self._deleted: dict[str, None] = {}
        """Names seen deleted, oldest first (at most ``MAX_DELETED``: other agents' jobs
        come and go in the same namespace)."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watch: Any = None
        self._thread: threading.Thread | None = None
        self.synced = threading.Event()
        """Set once the first list has been read."""
        self.error: str | None = None
        """Why the API could not be read, while it cannot (None when all is well)."""
        self.lists = 0
        """How many times it listed (once, plus once per expired watch or lost connection)."""

    # --- the outside ----------------------------------------------------------------------

    def start(self) -> Informer:
        self._thread = threading.Thread(target=self._run, name=f"caudal-k8s-{self.kind}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        watch = self._watch
        if watch is not None:
            watch.stop()

    def get(self, name: str) -> dict[str, Any] | None:
        """The latest version seen of object ``name`` (None: not seen, or deleted)."""
        with self._lock:
            return self._objects.get(name)

    def deleted(self, name: str) -> bool:
        """Whether object ``name`` was seen, then deleted."""
        with self._lock:
            return name in self._deleted

    def select(self, label: str, value: str) -> list[dict[str, Any]]:
        """The objects whose label ``label`` is ``value``, oldest first."""
        with self._lock:
            found = [o for o in self._objects.values()
                     if (o.get("metadata", {}).get("labels") or {}).get(label) == value]
        return sorted(found, key=lambda o: o["metadata"].get("creationTimestamp") or "")

    def forget(self, name: str) -> None:
        """Stop keeping anything about ``name`` (its run is settled)."""
        with self._lock:
            self._objects.pop(name, None)
            self._deleted.pop(name, None)

    def _mark_deleted(self, name: str) -> None:
        """(Under the lock.)"""
        self._deleted[name] = None
        if len(self._deleted) > MAX_DELETED:
            for old in list(self._deleted)[:MAX_DELETED // 2]:
                del self._deleted[old]

    # --- the thread -----------------------------------------------------------------------

    def _run(self) -> None:
        attempt = 0
        version: str | None = None
        while not self._stop.is_set():
            if version is None:
                try:
                    version = self._list()
                    attempt = 0
                except Exception as exc:  # noqa: BLE001 (an API away or refusing: try again)
                    if self._stop.is_set():
                        break
                    self._failed(exc, attempt)
                    attempt += 1
                    self._stop.wait(min(MAX_BACKOFF_S, 0.5 * 2 ** min(attempt, 6)))
                    continue
            try:
                version = self._follow(version)
            except Exception as exc:  # noqa: BLE001
                if self._stop.is_set():
                    break
                # The version expired (410), or the connection broke: changes may have been
                # missed, so list again (after a moment, for a watch that keeps breaking).
                version = None
                if getattr(exc, "status", None) != 410:
                    logger.debug("The watch of %s broke (%s); listing again.", self.kind, exc)
                    self._stop.wait(0.2)

    def _list(self) -> str:
        answer = self.list_call(self.namespace, label_selector=self.selector,
                                _preload_content=False, _request_timeout=(10, 60))
        body = json.loads(answer.data)
        items = {item["metadata"]["name"]: item for item in body.get("items") or []}
        with self._lock:
            gone = [name for name in self._objects if name not in items]
            self._objects = items
            for name in gone:
                self._mark_deleted(name)
            for name in items:
                self._deleted.pop(name, None)
        self.lists += 1
        self._recovered()
        self.synced.set()
        return str(body.get("metadata", {}).get("resourceVersion") or "")

    def _follow(self, version: str) -> str:
        """Watch from ``version`` until the watch ends; the last version seen."""
        from kubernetes import watch

        # Objects stay as the API sent them (dicts): no model per event. An expired version
        # raises ApiException 410 (a timeout is given, so the client does not retry).
        self._watch = watch.Watch(return_type=object)
        try:
            for event in self._watch.stream(
                    self.list_call, self.namespace, label_selector=self.selector,
                    resource_version=version, timeout_seconds=self.watch_timeout_s,
                    allow_watch_bookmarks=True,
                    _request_timeout=(10, self.watch_timeout_s + 15)):
                kind, item = event.get("type"), event.get("raw_object") or {}
                metadata = item.get("metadata") or {}
                version = str(metadata.get("resourceVersion") or version)
                if kind == "BOOKMARK" or "name" not in metadata:
                    continue
                name = metadata["name"]
                with self._lock:
                    if kind == "DELETED":
                        self._objects.pop(name, None)
                        self._mark_deleted(name)
                    else:
                        self._objects[name] = item
                        self._deleted.pop(name, None)
                self._recovered()
                if self._stop.is_set():
                    break
        finally:
            self._watch = None
        return version

    def _failed(self, exc: Exception, attempt: int) -> None:
        reason = getattr(exc, "reason", None) or exc
        message = f"{type(exc).__name__}: {reason}"
        if self.error is None:
            logger.warning("Cannot follow the %s in namespace '%s' (%s); trying again.",
                           self.kind, self.namespace, message)
        self.error = message

    def _recovered(self) -> None:
        if self.error is not None:
            logger.info("Following the %s in namespace '%s' again.", self.kind, self.namespace)
            self.error = None

