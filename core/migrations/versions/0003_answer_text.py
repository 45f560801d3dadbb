"""The answer's text in the answer log, so feedback can be exported with what users were told.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answer_log") as batch:
        batch.add_column(sa.Column("answer", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answer_log") as batch:
        batch.drop_column("answer")
