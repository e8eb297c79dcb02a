"""web accounts, memberships, sessions, API tokens, sign-in throttle, installation secret

Revision ID: web_0001
Revises: 0003
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "web_0001"
down_revision = "0003"
branch_labels = ("web",)
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("password_changed_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_user")),
        sa.UniqueConstraint("email", name=op.f("uq_web_user_email")),
    )
    op.create_table(
        "web_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_web_membership_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["web_user.id"], name=op.f("fk_web_membership_user_id_web_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_membership")),
        sa.UniqueConstraint("user_id", "org_id", name=op.f("uq_web_membership_user_id_org_id")),
    )
    op.create_index(op.f("ix_web_membership_org_id"), "web_membership", ["org_id"])
    op.create_index(op.f("ix_web_membership_user_id"), "web_membership", ["user_id"])
    op.create_table(
        "web_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_seen_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["web_user.id"], name=op.f("fk_web_session_user_id_web_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
    )
    op.create_index(op.f("ix_web_session_expires_at"), "web_session", ["expires_at"])
    op.create_index(op.f("ix_web_session_user_id"), "web_session", ["user_id"])
    op.create_table(
        "web_api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=True),
        sa.Column("last_used_at", _TS, nullable=True),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_web_api_token_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["web_user.id"], name=op.f("fk_web_api_token_user_id_web_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_api_token")),
        sa.UniqueConstraint("prefix", name=op.f("uq_web_api_token_prefix")),
    )
    op.create_index(op.f("ix_web_api_token_org_id"), "web_api_token", ["org_id"])
    op.create_index(op.f("ix_web_api_token_user_id"), "web_api_token", ["user_id"])
    op.create_table(
        "web_sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sign_in_failure")),
    )
    op.create_index(op.f("ix_web_sign_in_failure_address"), "web_sign_in_failure", ["address"])
    op.create_index(op.f("ix_web_sign_in_failure_at"), "web_sign_in_failure", ["at"])
    op.create_index(op.f("ix_web_sign_in_failure_email"), "web_sign_in_failure", ["email"])
    secret = op.create_table(
        "web_secret",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_web_secret")),
    )
    # Made once per installation, here, so that every worker and every host sharing the database agree.
    op.bulk_insert(secret, [{"key": "csrf", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    for table in ("web_secret", "web_sign_in_failure", "web_api_token", "web_session", "web_membership"):
        op.drop_table(table)
    op.drop_table("web_user")
