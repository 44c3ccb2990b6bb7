"""Alembic's environment and the schema's revisions (run by `encore.db.upgrade`, never imported by the app)."""
