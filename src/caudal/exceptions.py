"""Every error caudal raises, and the signals tasks raise to steer their own run.

The tree::

    CaudalError                     base of every caudal error; catch it to catch them all
    ├── ConfigurationError          a setting has a value of the wrong kind (also a ValueError)
    ├── FlowValidationError         the flow's graph is not runnable (a cycle, a foreign task)
    ├── ParameterError              a flow run got parameters it cannot use (also a ValueError)
    │   ├── MissingParameterError   a required parameter was not given
    │   └── UnknownParameterError   a parameter the flow does not have (also a TypeError)
    ├── TaskDefinitionError         a task is called or bound in a way that cannot work
    ├── ResultNotImplementedError   a Result type cannot read, write or check a location
    ├── FlowStorageError            a flow cannot be stored, found or loaded (a broken flow file,
    │                               missing code or packages, no such flow in the storage)
    ├── ClientError                 the server refused a request (``status_code``, ``detail``)
    │   ├── ServerUnavailable       the server could not be reached, even after retries
    │   ├── AuthorizationError      no API key, a wrong one, or a role too low (401, 403)
    │   └── ObjectNotFound          no such project, flow, run or agent (404)
    ├── NotAvailableError           a feature that a later caudal release delivers
    └── NotSupportedError           a Prefect 0.15 feature caudal will not have; the message
                                    says what to use instead

    CaudalSignal (BaseException)    raised by a task to set its own state; see caudal.engine.signals
    ├── CaudalStateSignal           FAIL, SUCCESS, SKIP, RETRY, PAUSE, LOOP... (engine.signals)
    ├── ENDRUN                      stops a task run in a given state (engine.signals)
    └── TaskTimeoutSignal           raised inside a task that ran past its ``timeout``

Signals derive from ``BaseException`` on purpose: pipelines wrap their code in
``except Exception:`` all the time, and a ``FAIL`` or ``SKIP`` must still reach the runner.
``PrefectException`` and ``PrefectSignal`` are Prefect 0.15's names for ``CaudalError`` and
``CaudalSignal``, so that ``except prefect.exceptions.PrefectSignal`` keeps working renamed.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthorizationError",
    "CaudalError",
    "CaudalSignal",
    "ClientError",
    "ConfigurationError",
    "FlowStorageError",
    "FlowValidationError",
    "MissingParameterError",
    "NotAvailableError",
    "NotSupportedError",
    "ObjectNotFound",
    "ParameterError",
    "PrefectException",
    "PrefectSignal",
    "ResultNotImplementedError",
    "ServerUnavailable",
    "TaskDefinitionError",
    "TaskTimeoutSignal",
    "UnknownParameterError",
]


class CaudalError(Exception):
    """Base class of every error caudal raises."""


class FlowValidationError(CaudalError, ValueError):
    """The flow's graph cannot be run: a cycle, or an edge to a task outside the flow."""


class ParameterError(CaudalError, ValueError):
    """A flow run was given parameters it cannot use; raised before any task runs."""


class MissingParameterError(ParameterError):
    """A required parameter was not given to the flow run."""


class UnknownParameterError(ParameterError, TypeError):
    """A parameter was given that the flow does not have."""


class TaskDefinitionError(CaudalError, ValueError):
    """A task was defined, called or bound in a way that cannot work."""


class ResultNotImplementedError(CaudalError, NotImplementedError):
    """A Result type without storage (the base ``Result``) was asked to read, write or check
    a location; give the task or flow a ``LocalResult``, ``GCSResult``, ``S3Result``..."""


class FlowStorageError(CaudalError):
    """A flow could not be stored, found or loaded.

    Raised for a flow file that fails to import, a storage that holds no flow of that name,
    and a stored flow whose code or packages are missing here. ``path`` names the file, module
    or storage location involved, and ``traceback`` carries the original traceback text
    (empty when there was none); both are in the message too.
    """

    def __init__(self, message: str, path: str | None = None, traceback: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.traceback = traceback


class ConfigurationError(CaudalError, ValueError):
    """A setting (config.toml, a ``CAUDAL_`` variable) cannot be used; the message names the
    key, where it came from and its value."""


class ClientError(CaudalError):
    """The server answered a request with an error, or could not be reached.

    The message is the server's own ``detail`` text; ``status_code`` (``None`` when nothing
    answered), ``detail`` and ``url`` are kept for code that needs more than text.
    """

    def __init__(self, message: str, status_code: int | None = None, url: str | None = None,
                 detail: Any = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.url = url
        self.detail = message if detail is None else detail


class ServerUnavailable(ClientError):
    """The server could not be reached (refused, timed out, or 502-504) even after retries."""


class AuthorizationError(ClientError):
    """The request needs an API key (401) or a key with a higher role (403)."""


class ObjectNotFound(ClientError, LookupError):
    """The project, flow, flow run or agent named in a request does not exist (404)."""


class NotAvailableError(CaudalError, NotImplementedError):
    """A Prefect 0.15 feature whose import path exists but whose behaviour comes later."""

    def __init__(self, feature: str, arrives_with: str = "a later release") -> None:
        super().__init__(
            f"'{feature}' is not available in this version of caudal yet; it arrives with "
            f"{arrives_with}. The import path exists so that your flows load unchanged."
        )


class NotSupportedError(CaudalError, NotImplementedError):
    """A Prefect 0.15 feature whose import path exists but which caudal will not have.

    Raised where the feature is used, never where it is imported, so flows that only
    mention it still load. The message says what to use instead.
    """


class CaudalSignal(BaseException):
    """Base of the signals a task raises to steer its own run (FAIL, SKIP, RETRY...).

    Not an ``Exception``: a task's own ``except Exception:`` must not swallow it.
    """

    def __init__(self, message: str | None = None, *args: Any) -> None:
        super().__init__(message, *args)


class TaskTimeoutSignal(CaudalSignal):
    """Raised inside a task that ran past its ``timeout``; the task run ends ``TimedOut``."""


# Prefect 0.15's names for the two bases (``prefect.exceptions``): code that catches them by
# those names, renamed, catches caudal's.
PrefectException = CaudalError
PrefectSignal = CaudalSignal
