"""A job's aligned documents as plain beads, for term extraction and translation QA."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import JobNotFinished, JobNotFound, JobTooLarge
from app.jobs import repository
from app.jobs.models import ItemState, Job
from termbase.aligned import BeadText, beads_of_result

# The most beads one request reads from a job: extraction and QA hold them all in memory
# (about 1 KB a bead), so a job of millions of beads is refused rather than half-read.
MAX_JOB_BEADS = 200_000


def job_documents(
    session: Session, job_id: int, *, partial: bool, max_beads: int = MAX_JOB_BEADS
) -> list[tuple[str, list[BeadText]]]:
    """The job's finished documents, in submission order: (name, beads).

    ``JobNotFound``; ``JobNotFinished`` if it is not finished (unless ``partial``) or has no
    aligned document; ``JobTooLarge`` past ``max_beads``.
    """
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFound(job_id)
    counts = repository.progress(session, [job_id])[job_id]
    unfinished = counts.counts.get(ItemState.QUEUED.value, 0) + counts.counts.get(
        ItemState.RUNNING.value, 0
    )
    if unfinished and job.cancelled_at is None and not partial:
        raise JobNotFinished(
            f"job {job_id} has {unfinished} document(s) still to align: ask again when it is "
            "done, or pass partial=true for what is finished"
        )
    documents: list[tuple[str, list[BeadText]]] = []
    total = 0
    for item in repository.iter_results(session, job_id, states=[ItemState.DONE.value]):
        if item.result is None:
            continue
        beads = beads_of_result(item.result, name=item.name)
        total += len(beads)
        if total > max_beads:
            raise JobTooLarge(
                f"job {job_id} has more than {max_beads:,} beads: too many to read at once"
            )
        documents.append((item.name, beads))
    if not documents:
        raise JobNotFinished(f"job {job_id} has no aligned document yet")
    return documents
