"""What a service raises when a request cannot be done; one handler turns it into a status.

Services know nothing of HTTP, so they raise these; the app maps each to its status code and
a JSON ``{"detail": message}``, which the client turns back into the matching ClientError.
"""

from __future__ import annotations

__all__ = ["BadRequest", "Conflict", "Forbidden", "Invalid", "Misconfigured", "NotFound",
           "ServiceError", "Unauthorized", "Unavailable"]


class ServiceError(Exception):
    """Base of the errors a request can end with; ``status_code`` is what the API answers."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.detail!r})"


class BadRequest(ServiceError):
    """The request is not one this route reads at all (400)."""

    status_code = 400


class Invalid(ServiceError):
    """The request is well-formed but asks for something that cannot be (422)."""

    status_code = 422


class Unauthorized(ServiceError):
    """No API key, or one the server does not know (401)."""

    status_code = 401


class Forbidden(ServiceError):
    """The key's role is too low for this request (403)."""

    status_code = 403


class NotFound(ServiceError):
    """The object the request names does not exist (404)."""

    status_code = 404


class Conflict(ServiceError):
    """The request clashes with the object's current state (409)."""

    status_code = 409


class Misconfigured(ServiceError):
    """The server's own configuration keeps it from doing the request (its secrets key is
    missing or is not the one the stored secrets were encrypted with); an operator must
    fix it (500)."""

    status_code = 500


class Unavailable(ServiceError):
    """The server cannot do the request right now (its database is unreachable, or too many
    writes are waiting); nothing was written, and the same request may be sent again after
    ``retry_after_s`` seconds (503 with ``Retry-After``)."""

    status_code = 503

    def __init__(self, detail: str, retry_after_s: int = 2) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
