"""Flow storage (Prefect 0.15 paths); arrives with the schedules, storage and serialization issue."""

from caudal.utilities.placeholders import unavailable

Storage = unavailable("Storage", "the schedules, storage and serialization issue", __name__)
Local = unavailable("Local", "the schedules, storage and serialization issue", __name__)
GCS = unavailable("GCS", "the schedules, storage and serialization issue", __name__)
S3 = unavailable("S3", "the schedules, storage and serialization issue", __name__)
Module = unavailable("Module", "the schedules, storage and serialization issue", __name__)
Webhook = unavailable("Webhook", "the schedules, storage and serialization issue", __name__)

__all__ = ["GCS", "Local", "Module", "S3", "Storage", "Webhook"]
