"""caudal.schedules.filters: Prefect 0.15's path; filters arrive with the schedules issue."""

__all__: list[str] = []
