"""Admin ingest jobs, shared by every API worker.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_job",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.String(80), nullable=True),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("doc_ids", sa.Text, nullable=False),
        sa.Column("progress", sa.Text, nullable=False),
        sa.Column("report", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_ingest_job_created_at", "ingest_job", ["created_at"])


def downgrade() -> None:
    op.drop_table("ingest_job")
