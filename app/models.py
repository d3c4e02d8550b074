"""Every table the service owns, gathered on one metadata for Alembic."""

from termbase.models import Base

metadata = Base.metadata

__all__ = ["metadata"]
