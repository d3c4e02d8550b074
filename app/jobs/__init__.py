"""Batch alignment jobs: tables, queue operations, the runner and its executors, the API.

A job's items are rows in the database; runners (in ``alinea serve`` or ``alinea worker``) claim
them, run :func:`app.jobs.worker.align_pair` on a process pool or a Dask cluster, and write each
result in its own transaction. The state lives in the tables, so a runner that dies loses nothing:
its items are claimed again when their lease runs out.
"""
