"""The schema's revisions, one file each (Alembic reads them by path; this file lets the import linter see them)."""
