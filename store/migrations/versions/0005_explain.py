"""explain chat messages

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "explain_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("conversation", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("unmatched_numbers", sa.JSON(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('user', 'assistant')", name="ck_explain_messages_role"),
        sa.CheckConstraint(
            "idea_id IS NOT NULL OR decision_id IS NOT NULL", name="ck_explain_messages_subject"
        ),
        sa.ForeignKeyConstraint(["idea_id"], ["trade_ideas.id"]),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_explain_messages_idea_id", "explain_messages", ["idea_id"])
    op.create_index(
        "ix_explain_messages_conversation_id", "explain_messages", ["conversation", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_explain_messages_conversation_id", table_name="explain_messages")
    op.drop_index("ix_explain_messages_idea_id", table_name="explain_messages")
    op.drop_table("explain_messages")
