"""A small Kubernetes API stand-in, started on 127.0.0.1 by the tests that need one.

No cluster can run here, so ``KubeAPI`` plays the parts the Kubernetes agent talks to, over
real HTTP, with a bearer token, through the official client and a kubeconfig:

- the API server, for Jobs and Pods in namespaces: create (checked against the Kubernetes
  schema with kubernetes-validate, as a real API server refuses an invalid object), get,
  list and watch with label selectors and resource versions (a watch from a version older
  than the last compaction gets 410 Gone), delete with propagation, and pod logs;
- the job controller: a Job gets a pod with the job's pod template, one more after each
  failure while its ``backoffLimit`` allows, then is Complete or Failed
  (BackoffLimitExceeded);
- the kubelet: a pod whose image is in the stand-in's registry runs its container's command
  as a real process on this machine, with only the container's environment (plus PATH and
  a HOME of its own); other images end in ErrImagePull, then ImagePullBackOff. A pod's
  process can be killed as the out-of-memory killer would (``oom_kill``).

Tests can also drop every open watch (``drop_watches``), hold back what watches deliver
(``hold_watches``) and compact the history (``compact``), to check that a client that
reconnects misses nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

TOKEN = "stand-in-token"
IMAGE = "caudal-test:1"
"""The one image in the stand-in's registry by default."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def _matches(labels: dict[str, str], selector: str | None) -> bool:
    """Equality-based and existence label selectors (``a=b,c!=d,e,!f``)."""
    for term in filter(None, (selector or "").split(",")):
        term = term.strip()
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


class KubeAPI:
    """The stand-in; ``url`` is where it answers, ``kubeconfig`` a file that reaches it."""

    def __init__(self, folder: Path, registry: tuple[str, ...] = (IMAGE,)) -> None:
        self.folder = folder
        self.registry = set(registry)
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.history: list[tuple[int, str, str, dict[str, Any]]] = []
        self.version = 1000
        self.compacted = 0
        self.watch_generation = 0
        self.held = threading.Event()
        self.created: list[dict[str, Any]] = []
        """Every Job as it was posted (accepted ones only)."""
        self.refused: list[str] = []
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._kill_reasons: dict[str, str] = {}
        self._deleting: set[str] = set()
        self._cond = threading.Condition()
        self._closing = False
        owner = self

        class Handler(_Handler):
            api = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.kubeconfig = folder / "kubeconfig"
        self.kubeconfig.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "stand-in",
            "clusters": [{"name": "stand-in", "cluster": {"server": self.url}}],
            "users": [{"name": "tester", "user": {"token": TOKEN}}],
            "contexts": [{"name": "stand-in",
                          "context": {"cluster": "stand-in", "user": "tester"}}],
        }))
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for process in list(self.processes.values()):
            _kill_group(process, signal.SIGKILL)
        self._server.shutdown()
        self._server.server_close()

    # --- what tests look at and do ----------------------------------------------------------

    def jobs(self, namespace: str = "default") -> dict[str, dict[str, Any]]:
        with self._cond:
            return {name: obj for (kind, ns, name), obj in self.objects.items()
                    if kind == "jobs" and ns == namespace}

    def pods(self, job: str | None = None, namespace: str = "default") -> list[dict[str, Any]]:
        with self._cond:
            found = [obj for (kind, ns, _), obj in self.objects.items()
                     if kind == "pods" and ns == namespace
                     and (job is None or obj["metadata"]["labels"].get("job-name") == job)]
        return sorted(found, key=lambda o: o["metadata"]["creationTimestamp"])

    def oom_kill(self, pod: str) -> None:
        """Kill the pod's process as the out-of-memory killer does (SIGKILL, OOMKilled)."""
        self._kill_reasons[pod] = "OOMKilled"
        _kill_group(self.processes[pod], signal.SIGKILL)

    def drop_watches(self) -> None:
        """Cut every open watch connection without ending it properly."""
        with self._cond:
            self.watch_generation += 1
            self._cond.notify_all()

    def hold_watches(self) -> None:
        """Open watches stop delivering events (as a stalled network would) until released."""
        self.held.set()

    def release_watches(self) -> None:
        with self._cond:
            self.held.clear()
            self._cond.notify_all()

    def compact(self) -> None:
        """Forget the history: a watch from any version seen so far gets 410 Gone."""
        with self._cond:
            self.compacted = self.version
            self.history.clear()

    # --- the store --------------------------------------------------------------------------

    def _put(self, kind: str, namespace: str, obj: dict[str, Any], event: str) -> None:
        with self._cond:
            self.version += 1
            obj["metadata"]["resourceVersion"] = str(self.version)
            key = (kind, namespace, obj["metadata"]["name"])
            if event == "DELETED":
                self.objects.pop(key, None)
            else:
                self.objects[key] = obj
            self.history.append((self.version, kind, event, json.loads(json.dumps(obj))))
            self._cond.notify_all()

    def _get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        with self._cond:
            found = self.objects.get((kind, namespace, name))
            return json.loads(json.dumps(found)) if found is not None else None

    def _update(self, kind: str, namespace: str, name: str, change: Any) -> None:
        with self._cond:
            obj = self.objects.get((kind, namespace, name))
            if obj is None:
                return
            change(obj)
            self._put(kind, namespace, obj, "MODIFIED")

    # --- the job controller -----------------------------------------------------------------

    def create_job(self, namespace: str, job: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        import kubernetes_validate

        try:
            kubernetes_validate.validate(job, kubernetes_validate.latest_version(), strict=True)
        except kubernetes_validate.ValidationError as exc:
            self.refused.append(str(exc))
            return 422, _status(422, "Invalid", f"Job is invalid: {exc}")
        name = job["metadata"]["name"]
        if self._get("jobs", namespace, name) is not None:
            return 409, _status(409, "AlreadyExists", f'jobs.batch "{name}" already exists')
        self.created.append(json.loads(json.dumps(job)))
        job["metadata"].update(namespace=namespace, uid=str(uuid.uuid4()),
                               creationTimestamp=_now())
        job["status"] = {"active": 1, "startTime": _now()}
        self._put("jobs", namespace, job, "ADDED")
        self._start_pod(namespace, name)
        return 201, self._get("jobs", namespace, name) or {}

    def _start_pod(self, namespace: str, job_name: str) -> None:
        job = self._get("jobs", namespace, job_name)
        if job is None or job_name in self._deleting:
            return
        template = job["spec"]["template"]
        name = f"{job_name}-{secrets.token_hex(3)[:5]}"
        labels = {**(template.get("metadata", {}).get("labels") or {}), "job-name": job_name}
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": namespace, "labels": labels,
                            "uid": str(uuid.uuid4()), "creationTimestamp": _now()},
               "spec": template["spec"],
               "status": {"phase": "Pending", "conditions": [
                   {"type": "PodScheduled", "status": "True"}]}}
        self._put("pods", namespace, pod, "ADDED")
        threading.Thread(target=self._kubelet, args=(namespace, job_name, name),
                         daemon=True).start()

    def _container_status(self, name: str, image: str, state: dict[str, Any],
                          ready: bool = False) -> dict[str, Any]:
        return {"name": name, "image": image, "imageID": "", "ready": ready,
                "restartCount": 0, "state": state}

    def _kubelet(self, namespace: str, job_name: str, pod_name: str) -> None:
        pod = self._get("pods", namespace, pod_name)
        assert pod is not None
        container = pod["spec"]["containers"][0]
        for candidate in pod["spec"]["containers"]:
            if candidate["name"] == "flow":
                container = candidate
        image, cname = container["image"], container["name"]

        def set_state(state: dict[str, Any], phase: str, ready: bool = False) -> None:
            def change(obj: dict[str, Any]) -> None:
                obj["status"]["phase"] = phase
                obj["status"]["containerStatuses"] = [
                    self._container_status(cname, image, state, ready)]
            self._update("pods", namespace, pod_name, change)

        if image not in self.registry:
            set_state({"waiting": {"reason": "ErrImagePull",
                                   "message": f'failed to pull image "{image}": not found'}},
                       "Pending")
            time.sleep(0.5)
            set_state({"waiting": {"reason": "ImagePullBackOff",
                                   "message": f'Back-off pulling image "{image}"'}}, "Pending")
            return
        folder = Path(tempfile.mkdtemp(prefix=f"{pod_name}-", dir=self.folder))
        venv_bin = os.path.dirname(sys.executable)
        env = {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": str(folder),
               "HOSTNAME": pod_name}
        env.update({e["name"]: str(e.get("value", "")) for e in container.get("env") or []
                    if "valueFrom" not in e})
        argv = [*(container.get("command") or []), *(container.get("args") or [])]
        argv[0] = shutil.which(argv[0], path=env["PATH"]) or argv[0]
        log = open(folder / "log", "wb")  # noqa: SIM115 (the process writes to it)
        process = subprocess.Popen(argv, env=env, cwd=folder, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[pod_name] = process
        set_state({"running": {"startedAt": _now()}}, "Running", ready=True)
        code = process.wait()
        log.close()
        if pod_name in self._deleting:
            return
        exit_code = 128 - code if code < 0 else code
        reason = self._kill_reasons.pop(pod_name, None) or ("Completed" if code == 0 else "Error")
        set_state({"terminated": {"exitCode": exit_code, "reason": reason,
                                  "finishedAt": _now()}},
                  "Succeeded" if code == 0 else "Failed")
        self._job_after_pod(namespace, job_name, succeeded=code == 0)

    def _job_after_pod(self, namespace: str, job_name: str, succeeded: bool) -> None:
        job = self._get("jobs", namespace, job_name)
        if job is None:
            return
        status = job["status"]
        if succeeded:
            status.update(succeeded=1, active=0, completionTime=_now())
            status["conditions"] = [{"type": "Complete", "status": "True",
                                     "lastTransitionTime": _now()}]
        else:
            status["failed"] = int(status.get("failed") or 0) + 1
            if status["failed"] > int(job["spec"].get("backoffLimit", 6)):
                status["active"] = 0
                status["conditions"] = [{
                    "type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit",
                    "lastTransitionTime": _now()}]
        self._update("jobs", namespace, job_name, lambda obj: obj.update(status=status))
        if not succeeded and "conditions" not in status:
            self._start_pod(namespace, job_name)

    def delete_job(self, namespace: str, name: str, options: dict[str, Any]) -> int:
        job = self._get("jobs", namespace, name)
        if job is None:
            return 404
        self._deleting.add(name)
        foreground = options.get("propagationPolicy") == "Foreground"
        if foreground:
            def mark(obj: dict[str, Any]) -> None:
                obj["metadata"]["deletionTimestamp"] = _now()
                obj["metadata"]["finalizers"] = ["foregroundDeletion"]
            self._update("jobs", namespace, name, mark)
        else:
            self._put("jobs", namespace, job, "DELETED")
        threading.Thread(target=self._delete_pods, args=(namespace, name, foreground),
                         daemon=True).start()
        return 200

    def _delete_pods(self, namespace: str, job_name: str, then_job: bool) -> None:
        for pod in self.pods(job_name, namespace):
            name = pod["metadata"]["name"]
            self._deleting.add(name)
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                grace = int(pod["spec"].get("terminationGracePeriodSeconds", 30))
                _kill_group(process, signal.SIGTERM)
                try:
                    process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    _kill_group(process, signal.SIGKILL)
                    process.wait(timeout=10)
            self._put("pods", namespace, pod, "DELETED")
        if then_job:
            job = self._get("jobs", namespace, job_name)
            if job is not None:
                self._put("jobs", namespace, job, "DELETED")

    def pod_log(self, namespace: str, name: str, tail: int | None) -> str | None:
        if self._get("pods", namespace, name) is None:
            return None
        logs = list(self.folder.glob(f"{name}-*/log"))
        text = logs[0].read_text(errors="replace") if logs else ""
        lines = text.splitlines()
        return "\n".join(lines[-tail:] if tail else lines) + ("\n" if lines else "")


def _kill_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class _Handler(BaseHTTPRequestHandler):
    """Routes: /apis/batch/v1/namespaces/NS/jobs[/NAME], /api/v1/namespaces/NS/pods[/NAME[/log]]."""

    api: KubeAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, code: int, body: Any, content_type: str = "application/json") -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self) -> tuple[str, str, str | None, str | None, dict[str, str]] | None:
        """(kind, namespace, name, sub-resource, query) or None; answers 401 itself."""
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, _status(401, "Unauthorized", "Unauthorized"))
            return None
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if parts[:3] == ["apis", "batch", "v1"]:
            parts = parts[3:]
        elif parts[:2] == ["api", "v1"]:
            parts = parts[2:]
        else:
            self._send(404, _status(404, "NotFound", f"no route {url.path}"))
            return None
        if len(parts) < 3 or parts[0] != "namespaces" or parts[2] not in ("jobs", "pods"):
            self._send(404, _status(404, "NotFound", f"no route {url.path}"))
            return None
        name = parts[3] if len(parts) > 3 else None
        sub = parts[4] if len(parts) > 4 else None
        return parts[2], parts[1], name, sub, query

    def do_GET(self) -> None:  # noqa: N802
        route = self._route()
        if route is None:
            return
        kind, namespace, name, sub, query = route
        if name is None:
            if query.get("watch", "").lower() in ("true", "1"):
                self._watch(kind, namespace, query)
            else:
                self._list(kind, namespace, query)
            return
        if sub == "log":
            text = self.api.pod_log(namespace, name, int(query["tailLines"])
                                    if "tailLines" in query else None)
            if text is None:
                self._send(404, _status(404, "NotFound", f'pods "{name}" not found'))
            else:
                self._send(200, text, "text/plain")
            return
        found = self.api._get(kind, namespace, name)
        if found is None:
            self._send(404, _status(404, "NotFound", f'{kind} "{name}" not found'))
        else:
            self._send(200, found)

    def _list(self, kind: str, namespace: str, query: dict[str, str]) -> None:
        with self.api._cond:
            items = [json.loads(json.dumps(obj)) for (k, ns, _), obj in self.api.objects.items()
                     if k == kind and ns == namespace
                     and _matches(obj["metadata"].get("labels") or {}, query.get("labelSelector"))]
            version = str(self.api.version)
        self._send(200, {"kind": "JobList" if kind == "jobs" else "PodList", "apiVersion": "v1",
                         "metadata": {"resourceVersion": version}, "items": items})

    def _chunk(self, event: dict[str, Any]) -> None:
        data = json.dumps(event).encode() + b"\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _watch(self, kind: str, namespace: str, query: dict[str, str]) -> None:
        api = self.api
        since = int(query.get("resourceVersion") or 0)
        deadline = time.monotonic() + int(query.get("timeoutSeconds") or 1800)
        selector = query.get("labelSelector")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        with api._cond:
            generation = api.watch_generation
            expired = since and since < api.compacted
        if expired:
            self._chunk({"type": "ERROR", "object": _status(
                410, "Expired", f"too old resource version: {since} ({api.compacted})")})
            self.wfile.write(b"0\r\n\r\n")
            return
        while time.monotonic() < deadline:
            with api._cond:
                if api.watch_generation != generation or api._closing:
                    # Cut without the last chunk: the client sees a broken connection.
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                events = [(v, e, o) for v, k, e, o in api.history
                          if v > since and k == kind and o["metadata"].get("namespace") ==
                          namespace and _matches(o["metadata"].get("labels") or {}, selector)]
                if not events or api.held.is_set():
                    api._cond.wait(0.2)
                    continue
            for version, event, obj in events:
                self._chunk({"type": event, "object": obj})
                since = version
        self.wfile.write(b"0\r\n\r\n")

    def do_POST(self) -> None:  # noqa: N802
        route = self._route()
        if route is None:
            return
        kind, namespace, name, _, _ = route
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if kind != "jobs" or name is not None:
            self._send(405, _status(405, "MethodNotAllowed", "only jobs are created here"))
            return
        code, answer = self.api.create_job(namespace, body)
        self._send(code, answer)

    def do_DELETE(self) -> None:  # noqa: N802
        route = self._route()
        if route is None:
            return
        kind, namespace, name, _, _ = route
        length = int(self.headers.get("Content-Length") or 0)
        options = json.loads(self.rfile.read(length)) if length else {}
        if kind != "jobs" or name is None:
            self._send(405, _status(405, "MethodNotAllowed", "only a job is deleted here"))
            return
        code = self.api.delete_job(namespace, name, options)
        if code == 404:
            self._send(404, _status(404, "NotFound", f'jobs.batch "{name}" not found'))
        else:
            self._send(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                             "status": "Success", "details": {"name": name, "kind": "jobs"}})


@pytest.fixture
def kube_api(tmp_path: Path) -> Iterator[KubeAPI]:
    """A Kubernetes API stand-in for one test, with its kubeconfig in ``KUBECONFIG``."""
    api = KubeAPI(tmp_path)
    os.environ["KUBECONFIG"] = str(api.kubeconfig)
    try:
        yield api
    finally:
        api.close()
