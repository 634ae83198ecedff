"""caudal.schedules.adjustments: Prefect 0.15's path; adjustments arrive with the schedules issue."""

__all__: list[str] = []
