"""Small helpers every service uses: ids, the clock, cursors."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from caudal.server.errors import Invalid

__all__ = ["as_utc", "decode_cursor", "encode_cursor", "new_id", "utcnow"]


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is read as UTC, as everywhere in the API."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def encode_cursor(*values: Any) -> str:
    """An opaque cursor holding the sort key of the last item on a page."""
    text = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, n: int) -> list[Any]:
    """The values ``encode_cursor`` packed.

    Raises:
        Invalid: the cursor was not made by this server.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != n:
            raise ValueError
        return values
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(f"Cursor '{cursor[:60]}' is not valid; pass back the 'next_cursor' of "
                      "the previous page.") from exc
