"""inventory_0002 rebuilds the equipment table (names stop being unique), keeping what refers to it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from sobre.core import db


def test_upgrade_keeps_rows_and_references(empty_db_url: str) -> None:
    engine = db.make_engine(empty_db_url)
    cfg = db.alembic_config(empty_db_url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "inventory_0001")
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO organisation (id, name, created_at) VALUES (1, 'Acme', CURRENT_TIMESTAMP)")
        )
        conn.execute(
            sa.text(
                "INSERT INTO equipment (id, org_id, name, category, quantity, status, refurbished, "
                "data_quality) "
                "VALUES (7, 1, 'srv-1', 'rack_server', 1, 'in_use', false, 'medium')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO virtual_machine (id, org_id, name, host_id, kind, quantity, data_quality) "
                "VALUES (3, 1, 'vm-1', 7, 'compute', 1, 'medium')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO application (id, org_id, name, environment, data_quality) "
                "VALUES (5, 1, 'ERP', 'prod', 'medium')"
            )
        )
        conn.execute(
            sa.text("INSERT INTO application_link (id, application_id, equipment_id) VALUES (1, 5, 7)")
        )
    db.upgrade(engine)  # what opening the database does
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT host_id FROM virtual_machine WHERE id = 3")).scalar() == 7
        assert conn.execute(sa.text("SELECT equipment_id FROM application_link WHERE id = 1")).scalar() == 7
        assert conn.execute(sa.text("SELECT name, external_key FROM equipment")).one() == ("srv-1", None)
        # Two items may now share a name; a source key stays unique.
        conn.execute(
            sa.text(
                "INSERT INTO equipment (org_id, name, category, quantity, status, refurbished, data_quality, "
                "external_key) "
                "VALUES (1, 'srv-1', 'rack_server', 1, 'in_use', false, 'medium', 'glpi:Computer:1')"
            )
        )
        conn.commit()
        assert db._current_heads(conn) == set(db.known_heads())
    engine.dispose()
