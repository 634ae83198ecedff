"""PushbulletTask: Prefect 0.15's Pushbullet notification, which caudal does not have."""

from __future__ import annotations

from typing import Any

from caudal.core.task import Task
from caudal.exceptions import NotSupportedError

__all__ = ["PushbulletTask"]


class PushbulletTask(Task):
    """Prefect 0.15's Pushbullet push; running it raises ``NotSupportedError``.

    The task can be built and added to a flow, so flows that mention it load.
    """

    def __init__(self, msg: str | None = None, **kwargs: Any) -> None:
        self.msg = msg
        super().__init__(**kwargs)

    def run(self, msg: str | None = None, access_token: str | None = None) -> None:
        """Raises ``NotSupportedError``; send with ``SlackTask`` or ``EmailTask`` instead."""
        raise NotSupportedError(
            "PushbulletTask is not part of caudal: send the message with SlackTask or "
            "EmailTask (caudal.tasks.notifications), or call Pushbullet's API from your own "
            "task (pip install pushbullet.py).")
