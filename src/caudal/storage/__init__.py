"""Where a flow's code is kept for agents to rebuild it (Prefect 0.15's ``prefect.storage``).

One backend per module. Flows pickled and uploaded: ``Local`` (a folder here), ``FSSpec``
(any fsspec URL), ``GCS``, ``S3``, ``Azure`` and ``Webhook`` (an HTTP service). Flows read from
their source at each run: ``Module`` (an importable package), ``Git`` (a clone with the git
command), ``GitHub``, ``GitLab`` and ``Bitbucket`` (their REST APIs). ``Docker`` and
``CodeCommit`` import, and say what to use instead when used. ``extract_flows`` finds the flows
in a file, a folder or a module. Each storage also keeps the text of the flow's source file,
which registration sends to the server for the UI (``serialize()["flow_sources"]``).
"""

from caudal.storage.azure import Azure
from caudal.storage.base import Storage
from caudal.storage.bitbucket import Bitbucket
from caudal.storage.codecommit import CodeCommit
from caudal.storage.docker import Docker
from caudal.storage.extract import extract_flow, extract_flows, extract_flows_from_script
from caudal.storage.fsspec import FSSpec
from caudal.storage.gcs import GCS
from caudal.storage.git import Git
from caudal.storage.github import GitHub
from caudal.storage.gitlab import GitLab
from caudal.storage.local import Local
from caudal.storage.module import Module
from caudal.storage.s3 import S3
from caudal.storage.webhook import Webhook

__all__ = ["Azure", "Bitbucket", "CodeCommit", "Docker", "FSSpec", "GCS", "Git", "GitHub",
           "GitLab", "Local", "Module", "S3", "Storage", "Webhook", "extract_flow",
           "extract_flows", "extract_flows_from_script"]
