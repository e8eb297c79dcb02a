"""``sobre agent``, ``sobre supervise …`` and ``sobre energy show`` on a fresh SOBRE_HOME."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sobre.cli import app
from sobre.core.settings import load_settings
from tests.supervision.conftest import ORG, seed_estate

runner = CliRunner()
DATA = Path(__file__).parent / "data"


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_supervision_from_the_command_line(home: Path, tmp_path: Path) -> None:
    seed_estate(load_settings().database_url)
    assert "sent" in ok("agent", "--org", ORG, "--host", "srv-db", "--once")
    hosts = json.loads(ok("supervise", "hosts", "--org", ORG, "--json"))
    assert [(h["name"], h["state"], h["equipment"], h["criticality"]) for h in hosts] == [
        ("srv-db", "up", "srv-db", "critical")
    ]
    ok("supervise", "hosts", "add", "vm-payroll", "--org", ORG, "--p-idle", "20", "--p-max", "60")
    ok("supervise", "hosts", "set", "vm-payroll", "--org", ORG, "--threads", "8")
    latest = json.loads(ok("supervise", "metrics", "srv-db", "--org", ORG, "--json"))
    assert {"cpu_utilisation", "memory_used_ratio"} <= {m["metric"] for m in latest}
    series = json.loads(
        ok("supervise", "metrics", "srv-db", "--org", ORG, "--metric", "cpu_utilisation", "--json")
    )
    assert len(series) == 1 and series[0]["resolution"] == "raw"

    assert "HostDown" in ok("supervise", "rules", "defaults", "--org", ORG)
    ok(
        "supervise",
        "rules",
        "add",
        "Busy",
        "--org",
        ORG,
        "--metric",
        "processes",
        "--op",
        ">",
        "--threshold",
        "0",
        "--severity",
        "critical",
        "--summary",
        "always true",
    )
    assert "Busy" in ok("supervise", "rules", "--org", ORG)
    # Renaming a rule onto another one would overwrite it: refused as an input error.
    args = [
        "supervise",
        "rules",
        "add",
        "HostDown",
        "--org",
        ORG,
        "--metric",
        "processes",
        "--threshold",
        "0",
    ]
    refused = runner.invoke(app, [*args, "--rename-from", "Busy"])
    assert refused.exit_code == 2 and "another rule already has this name" in refused.output
    assert "Traceback" not in refused.output
    rules = json.loads(ok("supervise", "rules", "--org", ORG, "--json"))
    assert {r["name"]: r["metric"] for r in rules}["HostDown"] == "up" and "Busy" in {
        r["name"] for r in rules
    }
    exported = tmp_path / "rules.yml"
    ok("supervise", "rules", "export", "--org", ORG, "-o", str(exported))
    assert "alert: Busy" in exported.read_text()
    ok("supervise", "escalation", "set", "--org", ORG, "--step", "0:webhook:http://127.0.0.1:9/hook:major")
    assert "http://127.0.0.1:9/hook" in ok("supervise", "escalation", "--org", ORG)
    out = ok("supervise", "evaluate", "--org", ORG, "--json")
    summary = json.loads(out)
    assert summary["firing"] == {"critical": 1}  # critical rule on the payroll's host
    assert summary["notifications"][0]["error"].startswith("webhook http://127.0.0.1:9/hook unreachable")
    alerts = json.loads(ok("supervise", "alerts", "--org", ORG, "--json"))
    alert_id = str(next(a["id"] for a in alerts if a["alertname"] == "Busy"))
    assert "acknowledged by Camille" in ok("supervise", "ack", alert_id, "--org", ORG, "--by", "Camille")
    timeline = json.loads(ok("supervise", "alerts", "show", alert_id, "--org", ORG, "--json"))["timeline"]
    # A major alert: the service desk opened an incident.
    assert [e["kind"] for e in timeline] == ["pending", "firing", "notified", "incident", "acknowledged"]
    assert "acknowledged" in ok("supervise", "alerts", "show", alert_id, "--org", ORG)
    ok("supervise", "silence", "add", "host=srv-db", "--org", ORG, "--for", "1h", "--comment", "disk swap")
    ok(
        "supervise",
        "silence",
        "add",
        "host=~srv-.*",
        "--org",
        ORG,
        "--weekly",
        "sat,sun",
        "--start",
        "2026-12-05T22:00",
        "--for",
        "4h",
        "--timezone",
        "Europe/Paris",
    )
    silences = json.loads(ok("supervise", "silence", "--org", ORG, "--json"))
    assert sorted((s["kind"], s["weekdays"], s["timezone"], s["active"]) for s in silences) == [
        ("maintenance", "5,6", "Europe/Paris", False),  # weekends 22:00–02:00 Paris time, from 5 December
        ("silence", None, "UTC", True),
    ]
    assert next(s for s in silences if s["kind"] == "maintenance")["starts_at"] == "2026-12-05T21:00:00+00:00"

    ok(
        "supervise",
        "import",
        "smart",
        str(DATA / "smart_ata_worn_day1.json"),
        "--org",
        ORG,
        "--host",
        "srv-db",
    )
    assert "major" in ok("supervise", "smart", "--org", ORG)
    wazuh = tmp_path / "alerts.json"
    from tests.supervision.test_security import ALERTS

    wazuh.write_text(ALERTS + "\n")
    assert "4 new security event(s)" in ok("supervise", "import", "wazuh", str(wazuh), "--org", ORG)
    text = ok("supervise", "security", "--org", ORG, "--lang", "fr", "--json")
    assert any(r["corrective"].startswith("Bloquer l'adresse source") for r in json.loads(text))
    event = json.loads(text)[0]["id"]
    ok(
        "supervise",
        "security",
        "done",
        str(event),
        "--org",
        ORG,
        "--action",
        "address blocked",
        "--by",
        "Camille",
    )

    pdu = tmp_path / "pdu.csv"
    rows = [f"2026-12-07T{h:02d}:{m:02d}:00Z,srv-db,300" for h in range(24) for m in range(0, 60, 5)] + [
        "2026-12-08T00:00:00Z,srv-db,300"
    ]
    pdu.write_text("time,host,watts\n" + "\n".join(rows) + "\n")
    assert "289 power reading(s) imported; 0 rejected" in ok(
        "supervise", "import", "pdu", str(pdu), "--org", ORG
    )
    shown = json.loads(
        ok("energy", "show", "--org", ORG, "--from", "2026-12-07", "--to", "2026-12-07", "--json")
    )
    assert [(d["host"], d["kwh"], d["status"], d["method"], d["facility_kwh"]) for d in shown] == [
        ("srv-db", 7.2, "measured", "pdu", 7.2 * 1.4)
    ]
    assert "100% measured" in ok("energy", "show", "--org", ORG, "--from", "2026-12-07", "--to", "2026-12-07")
    assert "token" not in ok("supervise", "token", "create", "ci agents", "--org", ORG).lower()[:5]


def test_errors_are_one_line(home: Path, tmp_path: Path) -> None:
    seed_estate(load_settings().database_url)
    for args, message in [
        (["supervise", "ack", "99", "--org", ORG, "--by", "x"], "no alert 99"),
        (
            [
                "supervise",
                "rules",
                "add",
                "X",
                "--org",
                ORG,
                "--metric",
                "m",
                "--threshold",
                "1",
                "--op",
                "=>",
            ],
            "operator",
        ),
        (["supervise", "silence", "add", "host", "--org", ORG], "not a matcher"),
        (
            ["supervise", "hosts", "add", "h", "--org", ORG, "--equipment", "nope"],
            "no equipment named 'nope'",
        ),
        (["energy", "show", "--org", ORG, "--from", "yesterday"], "not a date"),
        (["agent", "--host", "x", "--once"], "say where to send"),
        (["supervise", "hosts", "--org", "Nowhere"], "no organisation named 'Nowhere'"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code != 0 and "Traceback" not in result.output, result.output
        assert message in result.output, (args, result.output)
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": "4", "alerts": [{"status": "firing", "labels": {}}]}')
    result = runner.invoke(app, ["supervise", "alertmanager", str(bad), "--org", ORG])
    assert result.exit_code == 2 and "alertname" in result.output
