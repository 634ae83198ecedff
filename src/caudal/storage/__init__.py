"""Where a flow's code is kept for agents to rebuild it (Prefect 0.15's ``prefect.storage``).

One backend per module: ``Local`` (a folder here), ``FSSpec`` (any fsspec URL), ``GCS``,
``S3`` and ``Module`` (an importable package). ``extract_flows`` finds the flows in a file,
a folder or a module. Each storage also keeps the text of the flow's source file, which
registration sends to the server for the UI (``serialize()["flow_sources"]``).
"""

from caudal.storage.base import Storage
from caudal.storage.extract import extract_flow, extract_flows, extract_flows_from_script
from caudal.storage.fsspec import FSSpec
from caudal.storage.gcs import GCS
from caudal.storage.local import Local
from caudal.storage.module import Module
from caudal.storage.s3 import S3
from caudal.utilities.placeholders import unavailable

Webhook = unavailable("Webhook", "a later release", __name__)

__all__ = ["FSSpec", "GCS", "Local", "Module", "S3", "Storage", "Webhook", "extract_flow",
           "extract_flows", "extract_flows_from_script"]
