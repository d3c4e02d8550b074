"""Every table the service owns, gathered on one metadata for Alembic."""

from app.auth import models as _auth  # noqa: F401  (registers the key tables on the metadata)
from app.jobs import models as _jobs  # noqa: F401  (registers the job tables on the metadata)
from app.jobs.models import include_object
from termbase.models import Base

metadata = Base.metadata

__all__ = ["include_object", "metadata"]
