"""service desk: tickets, problems, communication, knowledge base (with full-text search), technical
documentation with encrypted confidential fields (the knowledge base's search index is derived data, made by
``sobre.servicedesk.search``)

Revision ID: servicedesk_0001
Revises: inventory_0001
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "servicedesk_0001"
down_revision = "inventory_0001"
branch_labels = ("servicedesk",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sd_doc_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("item_kind", sa.String(length=12), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("item_name", sa.String(length=255), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=True),
        sa.Column("procedures", sa.Text(), nullable=True),
        sa.Column("contacts", sa.JSON(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_doc_record_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_doc_record")),
        sa.UniqueConstraint(
            "org_id", "item_kind", "item_id", name=op.f("uq_sd_doc_record_org_id_item_kind_item_id")
        ),
    )
    with op.batch_alter_table("sd_doc_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_doc_record_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sd_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("manager", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_sd_group_org_id_organisation"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_group")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_sd_group_org_id_name")),
    )
    with op.batch_alter_table("sd_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_group_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sd_problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("workaround", sa.Text(), nullable=True),
        sa.Column("known_error", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("solved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_problem_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_problem")),
        sa.UniqueConstraint("org_id", "number", name=op.f("uq_sd_problem_org_id_number")),
    )
    with op.batch_alter_table("sd_problem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_problem_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sd_settings",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("matrix", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("hours", sa.String(length=500), nullable=True),
        sa.Column("holiday_country", sa.String(length=8), nullable=True),
        sa.Column("holiday_subdivision", sa.String(length=8), nullable=True),
        sa.Column("closed_days", sa.JSON(), nullable=True),
        sa.Column("worked_days", sa.JSON(), nullable=True),
        sa.Column("hourly_cost", sa.Double(), nullable=True),
        sa.Column("hourly_cost_source", sa.String(length=500), nullable=True),
        sa.Column("recovery_cost", sa.Double(), nullable=True),
        sa.Column("degraded_loss", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_settings_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_sd_settings")),
    )
    op.create_table(
        "sd_sla_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_sla_target_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_sla_target")),
        sa.UniqueConstraint("org_id", "priority", "kind", name=op.f("uq_sd_sla_target_org_id_priority_kind")),
    )
    with op.batch_alter_table("sd_sla_target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_sla_target_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sd_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("urgency", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_template_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_template")),
        sa.UniqueConstraint(
            "org_id",
            "audience",
            "urgency",
            "channel",
            "lang",
            name=op.f("uq_sd_template_org_id_audience_urgency_channel_lang"),
        ),
    )
    op.create_table(
        "sd_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["sd_group.id"], name=op.f("fk_sd_category_group_id_sd_group"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_category_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_category")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_sd_category_org_id_name")),
    )
    with op.batch_alter_table("sd_category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_category_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sd_doc_secret",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("roles", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_doc_secret_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["sd_doc_record.id"],
            name=op.f("fk_sd_doc_secret_record_id_sd_doc_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_doc_secret")),
        sa.UniqueConstraint("record_id", "name", name=op.f("uq_sd_doc_secret_record_id_name")),
    )
    with op.batch_alter_table("sd_doc_secret", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_doc_secret_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sd_doc_secret_record_id"), ["record_id"], unique=False)

    op.create_table(
        "sd_maintenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("procedure", sa.Text(), nullable=True),
        sa.Column("every", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("last_done", sa.Date(), nullable=True),
        sa.Column("assignee", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_maintenance_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["sd_doc_record.id"],
            name=op.f("fk_sd_maintenance_record_id_sd_doc_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_maintenance")),
    )
    with op.batch_alter_table("sd_maintenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_maintenance_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sd_maintenance_record_id"), ["record_id"], unique=False)

    op.create_table(
        "sd_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("source_title", sa.String(length=500), nullable=True),
        sa.Column("source_url", sa.String(length=1000), nullable=True),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["sd_category.id"],
            name=op.f("fk_sd_article_category_id_sd_category"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_article_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_article")),
        sa.UniqueConstraint("org_id", "slug", "lang", name=op.f("uq_sd_article_org_id_slug_lang")),
    )
    with op.batch_alter_table("sd_article", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_article_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sd_secret_reveal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("secret_id", sa.Integer(), nullable=True),
        sa.Column("secret_name", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_secret_reveal_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["secret_id"],
            ["sd_doc_secret.id"],
            name=op.f("fk_sd_secret_reveal_secret_id_sd_doc_secret"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_secret_reveal")),
    )
    with op.batch_alter_table("sd_secret_reveal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_secret_reveal_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sd_article_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["sd_article.id"],
            name=op.f("fk_sd_article_version_article_id_sd_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_article_version_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_article_version")),
        sa.UniqueConstraint("article_id", "version", name=op.f("uq_sd_article_version_article_id_version")),
    )
    with op.batch_alter_table("sd_article_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_article_version_article_id"), ["article_id"], unique=False)

    op.create_table(
        "sd_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("requester", sa.String(length=255), nullable=False),
        sa.Column("requester_email", sa.String(length=255), nullable=True),
        sa.Column("requester_user_id", sa.Integer(), nullable=True),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("assignee", sa.String(length=255), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("urgency", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("sla_priority", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("solved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_own_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_resolve_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_own", sa.String(length=10), nullable=True),
        sa.Column("sla_resolve", sa.String(length=10), nullable=True),
        sa.Column("solution", sa.Text(), nullable=True),
        sa.Column("solution_article_id", sa.Integer(), nullable=True),
        sa.Column("first_contact", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("satisfaction_comment", sa.Text(), nullable=True),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.Column("external_ref", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["sd_category.id"],
            name=op.f("fk_sd_ticket_category_id_sd_category"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["sd_group.id"], name=op.f("fk_sd_ticket_group_id_sd_group"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_sd_ticket_org_id_organisation"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["sd_problem.id"],
            name=op.f("fk_sd_ticket_problem_id_sd_problem"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["solution_article_id"],
            ["sd_article.id"],
            name=op.f("fk_sd_ticket_solution_article_id_sd_article"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_ticket")),
        sa.UniqueConstraint("org_id", "external_ref", name=op.f("uq_sd_ticket_org_id_external_ref")),
        sa.UniqueConstraint("org_id", "number", name=op.f("uq_sd_ticket_org_id_number")),
    )
    with op.batch_alter_table("sd_ticket", schema=None) as batch_op:
        batch_op.create_index("ix_sd_ticket_org_id_status", ["org_id", "status"], unique=False)

    op.create_table(
        "sd_article_ticket",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["sd_article.id"],
            name=op.f("fk_sd_article_ticket_article_id_sd_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_article_ticket_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["sd_ticket.id"],
            name=op.f("fk_sd_article_ticket_ticket_id_sd_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "ticket_id", name=op.f("pk_sd_article_ticket")),
    )
    with op.batch_alter_table("sd_article_ticket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_article_ticket_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sd_diagnosis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_diagnosis_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["sd_problem.id"],
            name=op.f("fk_sd_diagnosis_problem_id_sd_problem"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["sd_ticket.id"],
            name=op.f("fk_sd_diagnosis_ticket_id_sd_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_diagnosis")),
    )
    with op.batch_alter_table("sd_diagnosis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_diagnosis_problem_id"), ["problem_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sd_diagnosis_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sd_escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_escalation_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["sd_ticket.id"],
            name=op.f("fk_sd_escalation_ticket_id_sd_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_escalation")),
        sa.UniqueConstraint(
            "ticket_id", "kind", "offset_minutes", name=op.f("uq_sd_escalation_ticket_id_kind_offset_minutes")
        ),
    )
    with op.batch_alter_table("sd_escalation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_escalation_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sd_followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_followup_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["sd_ticket.id"],
            name=op.f("fk_sd_followup_ticket_id_sd_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_followup")),
    )
    with op.batch_alter_table("sd_followup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_followup_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sd_impact",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("outage_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outage_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("degraded_hours", sa.Double(), nullable=False),
        sa.Column("users", sa.Integer(), nullable=True),
        sa.Column("recovery_cost", sa.Double(), nullable=True),
        sa.Column("penalties", sa.Double(), nullable=False),
        sa.Column("hosts", sa.JSON(), nullable=True),
        sa.Column("technical", sa.JSON(), nullable=True),
        sa.Column("energy_kwh", sa.JSON(), nullable=True),
        sa.Column("kgco2e", sa.JSON(), nullable=True),
        sa.Column("cost_eur", sa.JSON(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_sd_impact_org_id_organisation"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["sd_ticket.id"], name=op.f("fk_sd_impact_ticket_id_sd_ticket"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_sd_impact")),
    )
    with op.batch_alter_table("sd_impact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_impact_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sd_publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("urgency", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_publication_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["sd_ticket.id"],
            name=op.f("fk_sd_publication_ticket_id_sd_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_publication")),
    )
    with op.batch_alter_table("sd_publication", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_publication_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sd_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_sd_task_org_id_organisation"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["sd_ticket.id"], name=op.f("fk_sd_task_ticket_id_sd_ticket"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_task")),
    )
    with op.batch_alter_table("sd_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_task_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sd_ticket_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("old", sa.String(length=255), nullable=True),
        sa.Column("new", sa.String(length=255), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_ticket_event_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["sd_ticket.id"],
            name=op.f("fk_sd_ticket_event_ticket_id_sd_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_ticket_event")),
    )
    with op.batch_alter_table("sd_ticket_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_ticket_event_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sd_ticket_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("item_kind", sa.String(length=12), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("item_name", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sd_ticket_item_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["sd_ticket.id"],
            name=op.f("fk_sd_ticket_item_ticket_id_sd_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sd_ticket_item")),
        sa.UniqueConstraint(
            "ticket_id", "item_kind", "item_id", name=op.f("uq_sd_ticket_item_ticket_id_item_kind_item_id")
        ),
    )
    with op.batch_alter_table("sd_ticket_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_ticket_item_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    from sobre.servicedesk.search import drop_index

    drop_index(op.get_bind())
    with op.batch_alter_table("sd_ticket_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_ticket_item_ticket_id"))

    op.drop_table("sd_ticket_item")
    with op.batch_alter_table("sd_ticket_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_ticket_event_ticket_id"))

    op.drop_table("sd_ticket_event")
    with op.batch_alter_table("sd_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_task_ticket_id"))

    op.drop_table("sd_task")
    with op.batch_alter_table("sd_publication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_publication_ticket_id"))

    op.drop_table("sd_publication")
    with op.batch_alter_table("sd_impact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_impact_org_id"))

    op.drop_table("sd_impact")
    with op.batch_alter_table("sd_followup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_followup_ticket_id"))

    op.drop_table("sd_followup")
    with op.batch_alter_table("sd_escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_escalation_ticket_id"))

    op.drop_table("sd_escalation")
    with op.batch_alter_table("sd_diagnosis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_diagnosis_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_sd_diagnosis_problem_id"))

    op.drop_table("sd_diagnosis")
    with op.batch_alter_table("sd_article_ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_article_ticket_ticket_id"))

    op.drop_table("sd_article_ticket")
    with op.batch_alter_table("sd_ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_sd_ticket_org_id_status")

    op.drop_table("sd_ticket")
    with op.batch_alter_table("sd_article_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_article_version_article_id"))

    op.drop_table("sd_article_version")
    with op.batch_alter_table("sd_secret_reveal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_secret_reveal_org_id"))

    op.drop_table("sd_secret_reveal")
    with op.batch_alter_table("sd_article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_article_org_id"))

    op.drop_table("sd_article")
    with op.batch_alter_table("sd_maintenance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_maintenance_record_id"))
        batch_op.drop_index(batch_op.f("ix_sd_maintenance_org_id"))

    op.drop_table("sd_maintenance")
    with op.batch_alter_table("sd_doc_secret", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_doc_secret_record_id"))
        batch_op.drop_index(batch_op.f("ix_sd_doc_secret_org_id"))

    op.drop_table("sd_doc_secret")
    with op.batch_alter_table("sd_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_category_org_id"))

    op.drop_table("sd_category")
    op.drop_table("sd_template")
    with op.batch_alter_table("sd_sla_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_sla_target_org_id"))

    op.drop_table("sd_sla_target")
    op.drop_table("sd_settings")
    with op.batch_alter_table("sd_problem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_problem_org_id"))

    op.drop_table("sd_problem")
    with op.batch_alter_table("sd_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_group_org_id"))

    op.drop_table("sd_group")
    with op.batch_alter_table("sd_doc_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_doc_record_org_id"))

    op.drop_table("sd_doc_record")
