"""Alembic environment: the connection is passed in by `Database.migrate()`."""

from __future__ import annotations

from alembic import context

from core.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` run from the command line
    from sqlalchemy import create_engine

    connection = create_engine(context.config.get_main_option("sqlalchemy.url") or "").connect()

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
