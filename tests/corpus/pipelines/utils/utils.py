"""Helpers the agencies share: logging, parameter defaults, the local-run flag."""

import os
from typing import Any

import prefect

from pipelines.utils.constants import constants


def log(msg: Any, level: str = "info") -> None:
    getattr(prefect.context.logger, level)(msg)


def is_local_run() -> bool:
    """True under a plain `flow.run()` that was given the local-run context flag."""
    return bool(prefect.context.get(constants.LOCAL_RUN_FLAG.value, False))


def set_default_parameters(flow, default_parameters: dict):
    """Replace the defaults of a (deep-copied) flow's parameters."""
    for parameter in flow.parameters():
        if parameter.name in default_parameters:
            parameter.default = default_parameters[parameter.name]
    return flow


def ensure_dir(path: str) -> str:
    os.makedirs(path, exist_ok=True)
    return path
