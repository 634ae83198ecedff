"""One module per job the server does; plain functions that take the Database and wire
models, own their transaction and raise ``caudal.server.errors``. The API routes, the UI, the
scheduler and the reaper all call these same functions."""
