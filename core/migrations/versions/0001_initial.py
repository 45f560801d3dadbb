"""Answer log and feedback tables.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_log",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text, nullable=True),
        sa.Column("backend", sa.String(20), nullable=False),
        sa.Column("refused", sa.Boolean, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("cited_sources", sa.Text, nullable=False),
    )
    op.create_index("ix_answer_log_created_at", "answer_log", ["created_at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "answer_id", sa.String(36), sa.ForeignKey("answer_log.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("rating", sa.String(4), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("question", sa.Text, nullable=True),
    )
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("answer_log")
