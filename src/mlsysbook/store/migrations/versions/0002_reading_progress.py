"""Reading progress: the sections each learner has marked as read.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "reading_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("book", sa.String(64), nullable=False),
        sa.Column("chapter", sa.String(120), nullable=False),
        sa.Column("section", sa.String(200), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_reading_progress_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reading_progress"),
        sa.UniqueConstraint(
            "user_id", "book", "chapter", "section", name="uq_reading_progress_key"
        ),
    )
    op.create_index("ix_reading_progress_user_id", "reading_progress", ["user_id"])


def downgrade() -> None:
    op.drop_table("reading_progress")
