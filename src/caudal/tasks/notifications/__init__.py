"""Tasks that send messages: ``SlackTask`` (a Slack webhook) and ``EmailTask`` (SMTP).

``PushbulletTask`` imports, and raises ``NotSupportedError`` when it runs.
"""

from caudal.tasks.notifications.email_task import EmailTask
from caudal.tasks.notifications.pushbullet_task import PushbulletTask
from caudal.tasks.notifications.slack_task import SlackTask

__all__ = ["EmailTask", "PushbulletTask", "SlackTask"]
