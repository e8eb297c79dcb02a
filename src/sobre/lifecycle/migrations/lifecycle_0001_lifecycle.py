"""lifecycle events, purchases, suppliers, parameters and watch

Revision ID: lifecycle_0001
Revises: inventory_0001
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "lifecycle_0001"
down_revision = "inventory_0001"
branch_labels = ("lifecycle",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lifecycle_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_lifecycle_attachment_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_attachment")),
        sa.UniqueConstraint("org_id", "sha256", name=op.f("uq_lifecycle_attachment_org_id_sha256")),
    )
    op.create_table(
        "lifecycle_parameter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_lifecycle_parameter_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_parameter")),
    )
    with op.batch_alter_table("lifecycle_parameter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lifecycle_parameter_org_id"), ["org_id"], unique=False)

    op.create_table(
        "lifecycle_questionnaire",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_lifecycle_questionnaire_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_questionnaire")),
        sa.UniqueConstraint(
            "org_id", "name", "version", name=op.f("uq_lifecycle_questionnaire_org_id_name_version")
        ),
    )
    op.create_table(
        "lifecycle_supplier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("contact", sa.String(length=255), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_lifecycle_supplier_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_supplier")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_lifecycle_supplier_org_id_name")),
    )
    op.create_table(
        "lifecycle_watch_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=255), nullable=True),
        sa.Column("last_modified", sa.String(length=255), nullable=True),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_lifecycle_watch_source_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_watch_source")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_lifecycle_watch_source_org_id_name")),
    )
    op.create_table(
        "lifecycle_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessor", sa.String(length=255), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("coverage", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_lifecycle_assessment_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["lifecycle_questionnaire.id"],
            name=op.f("fk_lifecycle_assessment_questionnaire_id_lifecycle_questionnaire"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["lifecycle_supplier.id"],
            name=op.f("fk_lifecycle_assessment_supplier_id_lifecycle_supplier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_assessment")),
    )
    with op.batch_alter_table("lifecycle_assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lifecycle_assessment_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lifecycle_assessment_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "lifecycle_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("source_file", sa.String(length=500), nullable=True),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["lifecycle_attachment.id"],
            name=op.f("fk_lifecycle_batch_attachment_id_lifecycle_attachment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_lifecycle_batch_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_batch")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_lifecycle_batch_org_id_name")),
    )
    op.create_table(
        "lifecycle_purchase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("manufacturer", sa.String(length=255), nullable=True),
        sa.Column("model", sa.String(length=255), nullable=True),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("unit_price", sa.Double(), nullable=False),
        sa.Column("condition", sa.String(length=12), nullable=True),
        sa.Column("acquisition", sa.String(length=10), nullable=False),
        sa.Column("recycled_content_pct", sa.Double(), nullable=True),
        sa.Column("ecolabels", sa.JSON(), nullable=True),
        sa.Column("repairability_index", sa.Double(), nullable=True),
        sa.Column("durability_index", sa.Double(), nullable=True),
        sa.Column("warranty_years", sa.Double(), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_lifecycle_purchase_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["lifecycle_supplier.id"],
            name=op.f("fk_lifecycle_purchase_supplier_id_lifecycle_supplier"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_purchase")),
    )
    with op.batch_alter_table("lifecycle_purchase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lifecycle_purchase_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lifecycle_purchase_purchase_date"), ["purchase_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lifecycle_purchase_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "lifecycle_watch_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("guid", sa.String(length=500), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("relevance", sa.Integer(), nullable=True),
        sa.Column("impact", sa.String(length=2000), nullable=True),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=2000), nullable=True),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_lifecycle_watch_entry_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["lifecycle_watch_source.id"],
            name=op.f("fk_lifecycle_watch_entry_source_id_lifecycle_watch_source"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_watch_entry")),
        sa.UniqueConstraint("org_id", "guid", name=op.f("uq_lifecycle_watch_entry_org_id_guid")),
    )
    with op.batch_alter_table("lifecycle_watch_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lifecycle_watch_entry_org_id"), ["org_id"], unique=False)

    op.create_table(
        "lifecycle_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=True),
        sa.Column("item_name", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=255), nullable=False),
        sa.Column("counterpart", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("cost", sa.Double(), nullable=True),
        sa.Column("parts", sa.String(length=2000), nullable=True),
        sa.Column("price", sa.Double(), nullable=True),
        sa.Column("certificate", sa.String(length=255), nullable=True),
        sa.Column("weight_kg", sa.Double(), nullable=True),
        sa.Column("approved_body", sa.Boolean(), nullable=True),
        sa.Column("reuse_commitment", sa.Boolean(), nullable=True),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("erasure_method", sa.String(length=255), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["lifecycle_attachment.id"],
            name=op.f("fk_lifecycle_event_attachment_id_lifecycle_attachment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["lifecycle_batch.id"],
            name=op.f("fk_lifecycle_event_batch_id_lifecycle_batch"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
            name=op.f("fk_lifecycle_event_equipment_id_equipment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_lifecycle_event_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_event")),
    )
    with op.batch_alter_table("lifecycle_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lifecycle_event_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lifecycle_event_equipment_id"), ["equipment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lifecycle_event_event_date"), ["event_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_lifecycle_event_item_name"), ["item_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_lifecycle_event_org_id"), ["org_id"], unique=False)

    op.create_table(
        "lifecycle_purchase_item",
        sa.Column("purchase_id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
            name=op.f("fk_lifecycle_purchase_item_equipment_id_equipment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["lifecycle_purchase.id"],
            name=op.f("fk_lifecycle_purchase_item_purchase_id_lifecycle_purchase"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("purchase_id", "equipment_id", name=op.f("pk_lifecycle_purchase_item")),
        sa.UniqueConstraint("equipment_id", name=op.f("uq_lifecycle_purchase_item_equipment_id")),
    )


def downgrade() -> None:
    op.drop_table("lifecycle_purchase_item")
    with op.batch_alter_table("lifecycle_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lifecycle_event_org_id"))
        batch_op.drop_index(batch_op.f("ix_lifecycle_event_item_name"))
        batch_op.drop_index(batch_op.f("ix_lifecycle_event_event_date"))
        batch_op.drop_index(batch_op.f("ix_lifecycle_event_equipment_id"))
        batch_op.drop_index(batch_op.f("ix_lifecycle_event_batch_id"))

    op.drop_table("lifecycle_event")
    with op.batch_alter_table("lifecycle_watch_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lifecycle_watch_entry_org_id"))

    op.drop_table("lifecycle_watch_entry")
    with op.batch_alter_table("lifecycle_purchase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lifecycle_purchase_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_lifecycle_purchase_purchase_date"))
        batch_op.drop_index(batch_op.f("ix_lifecycle_purchase_org_id"))

    op.drop_table("lifecycle_purchase")
    op.drop_table("lifecycle_batch")
    with op.batch_alter_table("lifecycle_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lifecycle_assessment_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_lifecycle_assessment_org_id"))

    op.drop_table("lifecycle_assessment")
    op.drop_table("lifecycle_watch_source")
    op.drop_table("lifecycle_supplier")
    op.drop_table("lifecycle_questionnaire")
    with op.batch_alter_table("lifecycle_parameter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lifecycle_parameter_org_id"))

    op.drop_table("lifecycle_parameter")
    op.drop_table("lifecycle_attachment")
