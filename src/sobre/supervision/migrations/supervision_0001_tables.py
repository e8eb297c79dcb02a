"""supervision tables: hosts, points, rollups, energy, rules, alerts, silences, escalation, security, SMART

Revision ID: supervision_0001
Revises: inventory_0001
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "supervision_0001"
down_revision = "inventory_0001"  # needs the inventory's criticality columns
branch_labels = ("supervision",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sup_agent_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sup_agent_token_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_agent_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_sup_agent_token_token_sha256")),
    )
    with op.batch_alter_table("sup_agent_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sup_agent_token_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sup_escalation_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("after_minutes", sa.Double(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("min_grade", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sup_escalation_step_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_escalation_step")),
    )
    with op.batch_alter_table("sup_escalation_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sup_escalation_step_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sup_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("op", sa.String(length=2), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("clear", sa.Double(), nullable=True),
        sa.Column("for_s", sa.Integer(), nullable=False),
        sa.Column("keep_firing_for_s", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_sup_rule_org_id_organisation"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_rule")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_sup_rule_org_id_name")),
    )
    op.create_table(
        "sup_silence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("matchers", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=True),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sup_silence_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_silence")),
    )
    with op.batch_alter_table("sup_silence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sup_silence_org_id"), ["org_id"], unique=False)

    op.create_table(
        "sup_host",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=True),
        sa.Column("vm_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("instance", sa.String(length=255), nullable=True),
        sa.Column("host_class", sa.String(length=20), nullable=False),
        sa.Column("threads", sa.Integer(), nullable=True),
        sa.Column("ram_gb", sa.Double(), nullable=True),
        sa.Column("hdd_gb", sa.Double(), nullable=True),
        sa.Column("ssd_gb", sa.Double(), nullable=True),
        sa.Column("p_idle_w", sa.Double(), nullable=True),
        sa.Column("p_max_w", sa.Double(), nullable=True),
        sa.Column("os_name", sa.String(length=255), nullable=True),
        sa.Column("os_version", sa.String(length=80), nullable=True),
        sa.Column("interval_s", sa.Double(), nullable=False),
        sa.Column("last_seen", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
            name=op.f("fk_sup_host_equipment_id_equipment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_sup_host_org_id_organisation"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vm_id"],
            ["virtual_machine.id"],
            name=op.f("fk_sup_host_vm_id_virtual_machine"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_host")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_sup_host_org_id_name")),
    )
    with op.batch_alter_table("sup_host", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sup_host_equipment_id"), ["equipment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sup_host_vm_id"), ["vm_id"], unique=False)

    op.create_table(
        "sup_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("alertname", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("criticality", sa.String(length=10), nullable=True),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clear_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=255), nullable=True),
        sa.Column("resolved_by", sa.String(length=255), nullable=True),
        sa.Column("last_value", sa.Double(), nullable=True),
        sa.Column("muted_by", sa.String(length=40), nullable=True),
        sa.Column("incident_ref", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"], ["sup_host.id"], name=op.f("fk_sup_alert_host_id_sup_host"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_sup_alert_org_id_organisation"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_alert")),
    )
    with op.batch_alter_table("sup_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sup_alert_host_id"), ["host_id"], unique=False)
        batch_op.create_index("ix_sup_alert_open", ["org_id", "state", "fingerprint"], unique=False)

    op.create_table(
        "sup_energy_day",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kwh", sa.Double(), nullable=False),
        sa.Column("low", sa.Double(), nullable=False),
        sa.Column("high", sa.Double(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=True),
        sa.Column("coverage", sa.Double(), nullable=False),
        sa.Column("pue", sa.Double(), nullable=True),
        sa.Column("facility_kwh", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"], ["sup_host.id"], name=op.f("fk_sup_energy_day_host_id_sup_host"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_id", "day", name=op.f("pk_sup_energy_day")),
    )
    op.create_table(
        "sup_latest",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("labels", sa.String(length=255), nullable=False),
        sa.Column("ts", sa.Double(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["sup_host.id"], name=op.f("fk_sup_latest_host_id_sup_host"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_id", "metric", "labels", name=op.f("pk_sup_latest")),
    )
    op.create_table(
        "sup_point",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("labels", sa.String(length=255), nullable=False),
        sa.Column("ts", sa.Double(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["sup_host.id"], name=op.f("fk_sup_point_host_id_sup_host"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_point")),
    )
    with op.batch_alter_table("sup_point", schema=None) as batch_op:
        batch_op.create_index("ix_sup_point_series", ["host_id", "metric", "ts"], unique=False)
        batch_op.create_index("ix_sup_point_ts", ["ts"], unique=False)

    op.create_table(
        "sup_rollup",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("labels", sa.String(length=255), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Double(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.Double(), nullable=False),
        sa.Column("vmin", sa.Double(), nullable=False),
        sa.Column("vmax", sa.Double(), nullable=False),
        sa.Column("last", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["sup_host.id"], name=op.f("fk_sup_rollup_host_id_sup_host"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_id", "metric", "labels", "step", "bucket", name=op.f("pk_sup_rollup")),
    )
    op.create_table(
        "sup_security_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("host_name", sa.String(length=255), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("criticality", sa.String(length=10), nullable=True),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=255), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["sup_host.id"],
            name=op.f("fk_sup_security_event_host_id_sup_host"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sup_security_event_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_security_event")),
        sa.UniqueConstraint(
            "org_id", "source", "external_id", name=op.f("uq_sup_security_event_org_id_source_external_id")
        ),
    )
    op.create_table(
        "sup_smart_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=120), nullable=False),
        sa.Column("serial", sa.String(length=120), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reading", sa.JSON(), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["sup_host.id"],
            name=op.f("fk_sup_smart_reading_host_id_sup_host"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_smart_reading")),
    )
    with op.batch_alter_table("sup_smart_reading", schema=None) as batch_op:
        batch_op.create_index("ix_sup_smart_disk", ["host_id", "serial", "at"], unique=False)

    op.create_table(
        "sup_alert_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["sup_alert.id"],
            name=op.f("fk_sup_alert_event_alert_id_sup_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_alert_event")),
    )
    with op.batch_alter_table("sup_alert_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sup_alert_event_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "sup_escalation_sent",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["sup_alert.id"],
            name=op.f("fk_sup_escalation_sent_alert_id_sup_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", "step", name=op.f("pk_sup_escalation_sent")),
    )


def downgrade() -> None:
    op.drop_table("sup_escalation_sent")
    with op.batch_alter_table("sup_alert_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sup_alert_event_alert_id"))

    op.drop_table("sup_alert_event")
    with op.batch_alter_table("sup_smart_reading", schema=None) as batch_op:
        batch_op.drop_index("ix_sup_smart_disk")

    op.drop_table("sup_smart_reading")
    op.drop_table("sup_security_event")
    op.drop_table("sup_rollup")
    with op.batch_alter_table("sup_point", schema=None) as batch_op:
        batch_op.drop_index("ix_sup_point_ts")
        batch_op.drop_index("ix_sup_point_series")

    op.drop_table("sup_point")
    op.drop_table("sup_latest")
    op.drop_table("sup_energy_day")
    with op.batch_alter_table("sup_alert", schema=None) as batch_op:
        batch_op.drop_index("ix_sup_alert_open")
        batch_op.drop_index(batch_op.f("ix_sup_alert_host_id"))

    op.drop_table("sup_alert")
    with op.batch_alter_table("sup_host", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sup_host_vm_id"))
        batch_op.drop_index(batch_op.f("ix_sup_host_equipment_id"))

    op.drop_table("sup_host")
    with op.batch_alter_table("sup_silence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sup_silence_org_id"))

    op.drop_table("sup_silence")
    op.drop_table("sup_rule")
    with op.batch_alter_table("sup_escalation_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sup_escalation_step_org_id"))

    op.drop_table("sup_escalation_step")
    with op.batch_alter_table("sup_agent_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sup_agent_token_org_id"))

    op.drop_table("sup_agent_token")
