"""broker status and reconciliations

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broker_status",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "health",
            sa.Enum(
                "unknown",
                "ok",
                "unreachable",
                "auth_failed",
                name="brokerhealth",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("last_ok_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # At most one active broker, enforced by the database itself.
    op.create_index(
        "ux_broker_status_one_active",
        "broker_status",
        ["active"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broker", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("started_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("settled", sa.JSON(), nullable=False),
        sa.Column("imported", sa.JSON(), nullable=False),
        sa.Column("closed", sa.JSON(), nullable=False),
        sa.Column("differences", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reconciliations_broker", "reconciliations", ["broker"])
    op.create_index("ix_reconciliations_started_at", "reconciliations", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_reconciliations_started_at", table_name="reconciliations")
    op.drop_index("ix_reconciliations_broker", table_name="reconciliations")
    op.drop_table("reconciliations")
    op.drop_index("ux_broker_status_one_active", table_name="broker_status")
    op.drop_table("broker_status")
