"""Alerting through the database (SQLite and PostgreSQL): a timeline of points, exact alerts and messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sobre.supervision import alerting, service
from sobre.supervision.grading import Grade
from sobre.supervision.notify import Notifier, RecordingSender
from sobre.supervision.routing import Step
from tests.supervision.conftest import ORG

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC).timestamp()


def post(url: str, oid: int, host: str, at: float, **values: float) -> None:
    points = [
        [m.replace("__", "_"), {"mount": "/"} if m.startswith("filesystem") else {}, at, v]
        for m, v in values.items()
    ]
    service.ingest(url, oid, {"host": host, "interval": 15, "info": {"threads": 8}, "points": points})


def test_criticality_flows_from_the_application_to_vm_and_host(estate: tuple[str, dict[str, int]]) -> None:
    url, ids = estate
    for name in ("srv-db", "srv-web", "vm-payroll", "lab-01"):
        service.add_host(url, ORG, name)
    hosts = {h["name"]: h for h in service.list_hosts(url, ORG)}
    assert hosts["vm-payroll"]["vm_id"] == ids["vm"] and hosts["vm-payroll"]["host_class"] == "vm"
    assert hosts["srv-db"]["equipment_id"] == ids["srv-db"] and hosts["srv-db"]["threads"] == 32
    assert {n: h["criticality"] for n, h in hosts.items()} == {
        "srv-db": "critical",  # hosts the payroll VM
        "srv-web": "low",
        "vm-payroll": "critical",
        "lab-01": None,  # not in the inventory
    }


def test_a_rule_fires_is_graded_escalated_acknowledged_and_resolved(
    estate: tuple[str, dict[str, int]],
) -> None:
    url, ids = estate
    oid = ids["org"]
    alerting.add_rule(
        url, ORG, "HighCpu", "cpu_utilisation", ">", 0.9, for_="30s", clear=0.8, severity="warning"
    )
    alerting.set_escalation(
        url,
        ORG,
        [
            Step(0, "email", "oncall@ville.fr", Grade.MINOR),
            Step(5, "webhook", "https://hooks.ville.fr/x", Grade.MAJOR),
        ],
    )
    sender = RecordingSender()
    notifier = Notifier({"email": sender, "webhook": sender})
    timeline = [  # (seconds after T0, cpu of vm-payroll, cpu of srv-web)
        (0, 0.50, 0.95),
        (15, 0.95, 0.95),
        (30, 0.97, 0.96),
        (45, 0.96, 0.97),
        (60, 0.85, 0.70),
        (360, 0.86, 0.70),
        (375, 0.60, 0.70),
    ]
    seen = []
    evaluator = alerting.Evaluator(url, ORG)
    for dt, payroll, web in timeline:
        post(url, oid, "vm-payroll", T0 + dt, cpu_utilisation=payroll)
        post(url, oid, "srv-web", T0 + dt, cpu_utilisation=web)
        result = evaluator.evaluate(now=T0 + dt, notifier=notifier)
        seen.append(
            (
                dt,
                result.transitions,
                dict(result.firing),
                [(n["target"], n["kind"]) for n in result.notifications],
            )
        )
    assert seen == [
        (0, 1, {}, []),  # srv-web pending
        (15, 1, {}, []),  # payroll pending
        (30, 1, {"info": 1}, []),  # srv-web fires: minor × low criticality = info, below step 0
        (
            45,
            1,
            {"major": 1, "info": 1},
            [("oncall@ville.fr", "firing")],
        ),  # payroll: minor × critical = major
        (60, 1, {"major": 1}, []),  # srv-web at 0.70 clears; payroll at 0.85 still above the clear threshold
        (360, 0, {"major": 1}, [("https://hooks.ville.fr/x", "firing")]),  # 5 min after firing
        (375, 1, {}, [("https://hooks.ville.fr/x", "resolved"), ("oncall@ville.fr", "resolved")]),
    ]
    payroll = [a for a in alerting.list_alerts(url, ORG, state=None) if a["host"] == "vm-payroll"][0]
    assert (payroll["level"], payroll["criticality"], payroll["grade"]) == ("minor", "critical", "major")
    detail = alerting.alert_detail(url, ORG, payroll["id"])
    assert [e["kind"] for e in detail["timeline"]] == [
        "pending",
        "firing",
        "notified",
        "incident",  # major: the service desk opened an incident
        "notified",
        "resolved",
        "notified",
        "notified",
    ]
    first = sender.sent[0]
    assert (first.target, first.alerts[0]["alertname"], first.alerts[0]["grade"]) == (
        "oncall@ville.fr",
        "HighCpu",
        "major",
    )


def test_acknowledge_stops_escalation_and_host_down_inhibits(estate: tuple[str, dict[str, int]]) -> None:
    url, ids = estate
    oid = ids["org"]
    alerting.install_default_rules(url, ORG)
    alerting.add_rule(
        url, ORG, "RootFull", "filesystem_used_ratio", ">", 0.9, severity="critical", labels={"mount": "/"}
    )
    alerting.set_escalation(url, ORG, [Step(0, "email", "a@ville.fr"), Step(10, "email", "b@ville.fr")])
    sender = RecordingSender()
    notifier = Notifier({"email": sender})
    post(url, oid, "srv-db", T0, filesystem_used_ratio=0.95)
    post(url, oid, "srv-web", T0, filesystem_used_ratio=0.95)
    r = alerting.evaluate(url, ORG, now=T0, notifier=notifier)
    assert sorted(n["target"] for n in r.notifications) == ["a@ville.fr", "a@ville.fr"]
    db_alert = [a for a in alerting.list_alerts(url, ORG) if a["host"] == "srv-db"][0]
    alerting.acknowledge(url, ORG, db_alert["id"], by="Camille", at=datetime.fromtimestamp(T0 + 60, UTC))
    # srv-web stops reporting; srv-db goes on.  HostDown fires after its minute.
    for dt in (300, 315, 330, 345, 360, 375):
        post(url, oid, "srv-db", T0 + dt, filesystem_used_ratio=0.95)
        r = alerting.evaluate(url, ORG, now=T0 + dt, notifier=notifier)
    open_alerts = {(a["alertname"], a["host"]): a for a in alerting.list_alerts(url, ORG)}
    # srv-web's disk series went stale (its RootFull resolved); srv-db's disk passed DiskAlmostFull's 5 min.
    assert set(open_alerts) == {("RootFull", "srv-db"), ("DiskAlmostFull", "srv-db"), ("HostDown", "srv-web")}
    assert open_alerts["HostDown", "srv-web"]["grade"] == "major"  # critical × low criticality
    # While srv-web is down, its other alerts (here a SMART risk) are muted by the inhibition.
    smart = alerting.raise_alert(
        url,
        ORG,
        source="smart",
        alertname="DiskFailureRisk",
        host="srv-web",
        labels={"serial": "S1"},
        level=Grade.CRITICAL,
        severity="smart:critical",
        summary="pending sectors",
        at=datetime.fromtimestamp(T0 + 380, UTC),
    )
    r = alerting.evaluate(url, ORG, now=T0 + 390, notifier=notifier)
    assert r.muted == {smart: f"inhibited:{open_alerts['HostDown', 'srv-web']['id']}"}
    post(url, oid, "srv-db", T0 + 905, filesystem_used_ratio=0.95)
    alerting.evaluate(
        url, ORG, now=T0 + 905, notifier=notifier
    )  # DiskAlmostFull fired at +300: step 2 at +900
    second = [(a["alertname"], a["host"]) for m in sender.sent if m.target == "b@ville.fr" for a in m.alerts]
    assert ("DiskAlmostFull", "srv-db") in second and ("RootFull", "srv-db") not in second
    rootfull_db = open_alerts["RootFull", "srv-db"]["id"]
    assert all(
        rootfull_db not in [a["id"] for a in m.alerts] for m in sender.sent if m.target == "b@ville.fr"
    )  # acknowledged
    assert not any(smart in [a["id"] for a in m.alerts] for m in sender.sent)
    alerting.resolve(url, ORG, rootfull_db, by="Camille")
    with pytest.raises(Exception, match="already resolved"):
        alerting.resolve(url, ORG, rootfull_db, by="Camille")


def test_silence_mutes_and_incident_hook_fires_for_unmuted_major(
    estate: tuple[str, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = estate
    oid = ids["org"]
    alerting.add_rule(url, ORG, "Hot", "temperature_celsius", ">", 85, severity="critical")
    calls: list[service.AlertFired] = []

    def open_incident(event: service.AlertFired) -> str:
        calls.append(event)
        return f"INC-{event.alert_id}"

    monkeypatch.setattr(
        "sobre.core.capabilities.provider",
        lambda name: open_incident if name == service.INCIDENT_PROVIDER else None,
    )
    start = datetime.fromtimestamp(T0 - 60, UTC)
    alerting.add_silence(
        url, ORG, "host=srv-web", starts=start, ends=datetime.fromtimestamp(T0 + 600, UTC), by="Camille"
    )
    post(url, oid, "srv-web", T0, temperature_celsius=90)
    post(url, oid, "srv-db", T0, temperature_celsius=90)
    r = alerting.evaluate(url, ORG, now=T0)
    assert len(r.muted) == 1
    assert [(c.host, c.grade, c.equipment_id) for c in calls] == [("srv-db", "critical", ids["srv-db"])]
    assert r.incidents == [f"INC-{calls[0].alert_id}"]
    alert = alerting.alert_detail(url, ORG, calls[0].alert_id)
    assert alert["incident"] == f"INC-{calls[0].alert_id}" and alert["timeline"][-1]["kind"] == "incident"
    assert [s["active"] for s in alerting.list_silences(url, ORG, at=datetime.fromtimestamp(T0, UTC))] == [
        True
    ]


def test_rule_checks_and_export(estate: tuple[str, dict[str, int]]) -> None:
    url, _ = estate
    with pytest.raises(Exception, match="severity"):
        alerting.add_rule(url, ORG, "x", "m", ">", 1, severity="urgent")
    with pytest.raises(Exception, match="reserved"):
        alerting.add_rule(url, ORG, "x", "m", ">", 1, labels={"host": "a"})
    alerting.install_default_rules(url, ORG)
    text = alerting.export_rules(url, ORG)
    assert "keep_firing_for: 5m" in text and 'alertname="HighCpu"' in text
