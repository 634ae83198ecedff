"""Webhook: a flow uploaded with one HTTP request and downloaded, when it runs, with another."""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caudal.exceptions import FlowStorageError
from caudal.storage.base import Storage, flow_from_bytes, flow_to_bytes
from caudal.storage.extract import extract_flows_from_script, pick_flow
from caudal.storage.secrets import environment_value, find_secret
from caudal.utilities.logging import get_logger

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["Webhook"]

HTTP_METHODS = ("GET", "PATCH", "POST", "PUT")
"""The methods a Webhook's requests may use, spelled as Prefect 0.15 spells them."""

REQUEST_KEYS = frozenset({"url", "params", "headers", "cookies", "auth", "timeout", "json",
                          "data", "files", "allow_redirects", "verify", "cert", "stream"})
"""The keyword arguments of ``requests.request`` that a Webhook's requests accept."""

DEFAULT_TIMEOUT_S = 60.0
"""How long a request may wait for the server when ``timeout`` is not given, in seconds."""


class Webhook(Storage):
    """A flow kept by an HTTP service: ``build()`` sends it, each run fetches it back.

    ``build()`` sends one request (``build_request_http_method`` with
    ``build_request_kwargs``) whose body is the pickled flow, or the flow's ``.py`` file with
    ``stored_as_script=True``. A run sends the other request and rebuilds the flow from the
    response's body. The keyword arguments are those of ``requests.request`` (``url``,
    ``params``, ``headers``, ``cookies``, ``auth``, ``timeout``, ``json``, ``data``,
    ``files``, ``allow_redirects``, ``verify``, ``cert``); caudal sends them with httpx.

    A string in the keyword arguments (at any depth of dictionaries, not inside lists) may
    name values to fill in when the request is sent: ``"Bearer ${API_TOKEN}"`` takes the
    environment variable ``API_TOKEN`` or, when there is none, the secret of that name (see
    ``caudal.storage.secrets``). ``$$`` is a literal ``$``. Only the templates are registered,
    so tokens stay out of the server. One Webhook storage holds one flow: adding another
    replaces it, as both would go to the same address.

    Args:
        build_request_kwargs: the upload request's keyword arguments; ``data`` is replaced
            by the flow.
        build_request_http_method: ``"POST"``, ``"PUT"``, ``"PATCH"`` or ``"GET"``.
        get_flow_request_kwargs: the download request's keyword arguments.
        get_flow_request_http_method: the download request's method, usually ``"GET"``.
        stored_as_script: send the flow's ``.py`` file rather than a pickle of the flow.
        flow_script_path: the ``.py`` file to send with ``stored_as_script``; not
            registered.
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``.

    Raises:
        ValueError: a method is not one of those above, or a keyword argument is not one
            ``requests.request`` takes.

    Example:
        >>> storage = Webhook(
        ...     build_request_kwargs={"url": "https://files.example/flows/etl",
        ...                           "headers": {"Authorization": "Bearer ${FILES_TOKEN}"}},
        ...     build_request_http_method="PUT",
        ...     get_flow_request_kwargs={"url": "https://files.example/flows/etl"},
        ...     get_flow_request_http_method="GET",
        ... )
        >>> storage.serialize()["build_request_kwargs"]["headers"]
        {'Authorization': 'Bearer ${FILES_TOKEN}'}
    """

    def __init__(self, build_request_kwargs: dict[str, Any], build_request_http_method: str,
                 get_flow_request_kwargs: dict[str, Any], get_flow_request_http_method: str,
                 stored_as_script: bool = False, flow_script_path: str | None = None,
                 **kwargs: Any) -> None:
        for name, method in (("build_request_http_method", build_request_http_method),
                             ("get_flow_request_http_method", get_flow_request_http_method)):
            if method not in HTTP_METHODS:
                raise ValueError(f"Webhook storage's {name} is '{method}'; use one of "
                                 f"{', '.join(repr(m) for m in HTTP_METHODS)}.")
        for name, given in (("build_request_kwargs", build_request_kwargs),
                            ("get_flow_request_kwargs", get_flow_request_kwargs)):
            unknown = sorted(set(given) - REQUEST_KEYS)
            if unknown:
                raise ValueError(
                    f"Webhook storage's {name} has {', '.join(repr(k) for k in unknown)}, "
                    "which requests.request does not take; use "
                    f"{', '.join(repr(k) for k in sorted(REQUEST_KEYS))}.")
        super().__init__(stored_as_script=stored_as_script, **kwargs)
        self.build_request_kwargs = dict(build_request_kwargs)
        self.build_request_http_method = build_request_http_method
        self.get_flow_request_kwargs = dict(get_flow_request_kwargs)
        self.get_flow_request_http_method = get_flow_request_http_method
        self.flow_script_path = flow_script_path
        self._flow: Flow | None = None

    def __getstate__(self) -> dict[str, Any]:
        # A flow pickles its storage; the flow must not ride along inside itself.
        state = self.__dict__.copy()
        state["_flow"] = None
        return state

    def add_flow(self, flow: Flow) -> str:
        """Hold ``flow`` for ``build()`` to send, in place of any flow held before; returns
        its name, which is its location."""
        self.flows.clear()
        self.flow_sources.clear()
        self._record_source(flow)
        if self.stored_as_script and self.flow_script_path is not None:
            self.flow_sources[flow.name] = Path(self.flow_script_path).read_text()
        self.flows[flow.name] = flow.name
        self._flow = flow
        return flow.name

    def remove_flow(self, flow_name: str) -> None:
        super().remove_flow(flow_name)
        if self._flow is not None and self._flow.name == flow_name:
            self._flow = None

    def build(self) -> Webhook:
        """Send the flow held with the build request; returns the storage.

        Raises:
            FlowStorageError: ``stored_as_script`` without ``flow_script_path``, a template
                names a value that is set nowhere, or the request fails or is answered with
                an error status.
        """
        flow = self._flow
        if flow is None:
            return self
        logger = get_logger("Webhook")
        if self.stored_as_script:
            if self.flow_script_path is None:
                raise FlowStorageError(
                    f"Webhook storage keeps flow '{flow.name}' as a script "
                    "(stored_as_script=True), so it needs flow_script_path=... naming the "
                    ".py file to send.", path=flow.name)
            body = Path(self.flow_script_path).read_bytes()
        else:
            body = flow_to_bytes(flow)
        if "data" in self.build_request_kwargs:
            logger.warning("Webhook storage's build_request_kwargs has 'data'; the flow is "
                           "sent in its place.")
        logger.info("Uploading flow '%s'", flow.name)
        self._send(self.build_request_http_method, self.build_request_kwargs,
                   "build_request_kwargs", content=body)
        logger.info("Successfully uploaded flow '%s'", flow.name)
        return self

    def get_flow(self, flow_name: str) -> Flow:
        """Fetch ``flow_name`` with the get-flow request and rebuild it (see
        ``Storage.get_flow``)."""
        self._check_contains(flow_name)
        response = self._send(self.get_flow_request_http_method, self.get_flow_request_kwargs,
                              "get_flow_request_kwargs")
        where = f"{self.get_flow_request_http_method} {self.get_flow_request_kwargs.get('url')}"
        if self.stored_as_script:
            name = Path(self.flow_script_path or f"{flow_name}.py").name
            flows = extract_flows_from_script(response.content.decode(), f"<webhook>/{name}")
            return pick_flow(flows, flow_name, where)
        return flow_from_bytes(response.content, where)

    # --- for Storage ------------------------------------------------------------------------

    def _read_source(self, flow_name: str) -> str | None:
        if not self.stored_as_script:
            return None
        response = self._send(self.get_flow_request_http_method, self.get_flow_request_kwargs,
                              "get_flow_request_kwargs")
        return response.content.decode()

    def _settings(self) -> dict[str, Any]:
        # Templates, not their values: the server never sees a token filled in.
        return {"build_request_kwargs": self.build_request_kwargs,
                "build_request_http_method": self.build_request_http_method,
                "get_flow_request_kwargs": self.get_flow_request_kwargs,
                "get_flow_request_http_method": self.get_flow_request_http_method}

    # --- requests ---------------------------------------------------------------------------

    def _send(self, method: str, given: dict[str, Any], name: str,
              content: bytes | None = None) -> Any:
        import httpx

        rendered = render_templates(given, name)
        options = _httpx_options(rendered, content)
        url = given.get("url")
        try:
            response = httpx.request(method, **options)
        except httpx.HTTPError as exc:
            raise FlowStorageError(
                f"Webhook storage's {method} {url} failed: {type(exc).__name__}: {exc}. Is "
                "the service reachable from here?", path=str(url)) from exc
        if response.is_error:
            text = response.text[:300].strip()
            raise FlowStorageError(
                f"Webhook storage's {method} {url} was answered {response.status_code} "
                f"{response.reason_phrase}{': ' + text if text else ''}. Check {name} (its URL "
                "and credentials).", path=str(url))
        return response


def render_templates(values: Mapping[str, Any], name: str = "the request") -> dict[str, Any]:
    """``values`` with ``${NAME}`` (and ``$NAME``) in its strings filled in from the
    environment, else from secrets; nested dictionaries too, lists as they are.

    Raises:
        FlowStorageError: a name is neither an environment variable nor a secret.

    Example:
        >>> import caudal
        >>> with caudal.context(secrets={"TOKEN": "abc"}):
        ...     render_templates({"headers": {"Authorization": "Bearer ${TOKEN}"}, "x": 1})
        {'headers': {'Authorization': 'Bearer abc'}, 'x': 1}
    """
    rendered: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            rendered[key] = render_templates(value, f"{name}['{key}']")
        elif isinstance(value, str):
            try:
                rendered[key] = string.Template(value).substitute(_TemplateValues(name, key))
            except ValueError as exc:
                raise FlowStorageError(
                    f"Webhook storage's {name}['{key}'] is not a valid template ({exc}); "
                    "write a literal $ as $$.", path=name) from exc
        else:
            rendered[key] = value
    return rendered


class _TemplateValues(Mapping[str, str]):
    """What ``${NAME}`` means in a Webhook's requests: the variable, else the secret."""

    def __init__(self, name: str, key: str) -> None:
        self.where = f"{name}['{key}']"

    def __getitem__(self, item: str) -> str:
        value = environment_value(item)
        if value is None:
            value = find_secret(item)
        if value is None:
            raise FlowStorageError(
                f"Webhook storage's {self.where} uses '${{{item}}}', which is neither an "
                f"environment variable nor a secret here; set {item}, or the secret "
                f"CAUDAL__CONTEXT__SECRETS__{item.upper()}.", path=item)
        return value

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


def _httpx_options(given: dict[str, Any], content: bytes | None) -> dict[str, Any]:
    """``requests.request`` keyword arguments as ``httpx.request`` takes them."""
    import httpx

    options = {k: v for k, v in given.items()
               if k not in ("allow_redirects", "stream", "data", "cert", "verify")}
    if "cert" in given or isinstance(given.get("verify"), str):
        options["verify"] = _ssl_context(given.get("verify", True), given.get("cert"))
    elif "verify" in given:
        options["verify"] = bool(given["verify"])
    # requests follows redirects and has no timeout unless told; httpx does neither by
    # default, and a run must not wait forever on a silent server.
    options["follow_redirects"] = bool(given.get("allow_redirects", True))
    timeout = given.get("timeout", DEFAULT_TIMEOUT_S)
    if isinstance(timeout, tuple | list):
        connect, read = timeout
        timeout = httpx.Timeout(read, connect=connect)
    options["timeout"] = timeout
    if isinstance(options.get("auth"), list):
        options["auth"] = tuple(options["auth"])
    if content is not None:
        options["content"] = content
    elif "data" in given:
        data = given["data"]
        options["content" if isinstance(data, bytes | str) else "data"] = data
    return options


def _ssl_context(verify: bool | str, cert: str | list[str] | tuple[str, str] | None) -> Any:
    """An SSL context for requests' ``verify`` (a flag or a CA bundle) and ``cert`` (a file,
    or a certificate and its key)."""
    import ssl

    context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if isinstance(cert, str):
        context.load_cert_chain(cert)
    elif cert:
        context.load_cert_chain(cert[0], cert[1])
    return context
