"""Scenarios, actions, indicators and reviews against a real database (SQLite and PostgreSQL), and the CLI."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core.capabilities import provider
from sobre.core.db import session_scope
from sobre.footprint.runs import service as runs
from sobre.strategy import documents, service, steering
from tests.strategy.world import ORG, populate


def test_scenarios_actions_objectives_and_indicators(db_url: str, tmp_path: Path) -> None:
    run_id = populate(db_url, tmp_path)
    meta, result = runs.load_run(db_url, run_id)
    with session_scope(db_url) as s:
        service.create_scenario(s, ORG, "Longer life")
        service.add_change(s, ORG, "Longer life", "extend_lifetime", {"category": "laptop", "to_years": 6})
        service.create_scenario(s, ORG, "Idle hosts")
        service.add_change(s, ORG, "Idle hosts", "retire_idle_hosts", {})
    life, idle = service.compare(db_url, ORG, ["Longer life", "Idle hosts"])
    # Laptops declared for 4 years, kept 6: their embodied stages are multiplied by 4/6.
    laptop = result.items.filter(pl.col("category") == "laptop")["item_id"].to_list()
    embodied = result.impacts.filter(
        pl.col("item_id").is_in(laptop)
        & (pl.col("item_kind") == "equipment")
        & (pl.col("stage") != "use")
        & (pl.col("criterion") == "climate_change")
    )["value"].sum()
    assert life.effect is not None and life.baseline_run_id == run_id
    assert life.effect.delta("climate_change") == pytest.approx(embodied * (4 / 6 - 1), rel=1e-9)
    # esx-2 carries no VM: retiring it removes its whole footprint.
    esx2 = result.items.filter(pl.col("name") == "esx-2")["item_id"][0]
    esx2_total = result.impacts.filter(
        (pl.col("item_id") == esx2)
        & (pl.col("item_kind") == "equipment")
        & (pl.col("criterion") == "climate_change")
    )["value"].sum()
    assert idle.effect is not None and idle.effect.delta("climate_change") == pytest.approx(
        -esx2_total, rel=1e-9
    )

    action_id = steering.action_from_scenario(db_url, ORG, "Longer life", horizon="medium", effort="low")
    with session_scope(db_url) as s:
        [action] = steering.list_actions(s, ORG)
        assert action["id"] == action_id and action["origin"] == "scenario"
        assert action["avoided"]["climate_change"]["value"] == pytest.approx(
            -life.effect.delta("climate_change")
        )
        service.add_objective(
            s,
            ORG,
            "−10 % by 2030",
            criterion="climate_change",
            reduction=0.1,
            baseline_year=2025,
            target_year=2030,
        )
    [objective] = service.check_objectives(db_url, ORG)
    total = meta.totals["climate_change"]["value"]
    assert objective["baseline"] == pytest.approx(total)
    assert objective["with_plan"] == pytest.approx(total + life.effect.delta("climate_change"))
    assert objective["reached"] == (objective["with_plan"] <= 0.9 * total)

    with session_scope(db_url) as s:
        steering.define_kpi(
            s, ORG, "fp", "Footprint per agent", source="footprint_per_agent", target_value=100
        )
        steering.define_kpi(s, ORG, "life", "Laptop lifetime", source="average_lifetime:laptop")
        steering.define_kpi(s, ORG, "dev", "Devices per agent", source="devices_per_agent")
        steering.define_kpi(s, ORG, "mat", "Maturity", source="maturity_score")
        steering.define_kpi(s, ORG, "trained", "Staff trained", unit="%", direction="up", target_value=80)
    measured = {r["code"]: r for r in steering.measure(db_url, ORG, date(2026, 1, 15), "tests")}
    assert measured["fp"]["value"] == pytest.approx(total / 20, rel=1e-12)
    assert measured["life"]["value"] == pytest.approx(4.0)
    assert measured["dev"]["value"] == pytest.approx((8 + 6) / 20)
    assert measured["mat"]["value"] is None and measured["mat"]["reason"] == "no maturity assessment"
    with session_scope(db_url) as s:
        steering.record(s, ORG, "trained", 35.0, date(2026, 1, 10), "RH")
        by_code = {k["code"]: k for k in steering.kpis(s, ORG)}
        assert by_code["mat"]["measurements"] == []  # unknown is never stored as zero
        assert by_code["fp"]["latest"]["value"] == pytest.approx(total / 20)
        assert by_code["trained"]["latest"]["by"] == "RH" and by_code["trained"]["on_track"] is False
        steering.add_review(
            s, ORG, "Revue 2026", date(2026, 2, 1), "DGS", decisions=["Accélérer la formation"]
        )
        [review] = steering.reviews(s, ORG)
        assert {x["code"] for x in review["snapshot"]} >= {"fp", "trained", "_actions"}

    from sobre.reporting.service import build_report_data

    recommendations = build_report_data(db_url, ORG).recommendations
    assert recommendations
    rec = recommendations[0]
    rec_id = steering.action_from_recommendation(db_url, ORG, rec.key, "en")
    with session_scope(db_url) as s:
        made = next(a for a in steering.list_actions(s, ORG) if a["id"] == rec_id)
    assert made["origin"] == "recommendation" and made["origin_ref"].startswith(rec.key)
    assert made["avoided"]["climate_change"]["value"] == pytest.approx(rec.avoided["climate_change"].value)

    reen = provider("reen.strategy")
    assert reen is not None
    content = reen(db_url, ORG, 2025, "fr")
    assert [a["title"] for a in content["actions"]][0] == "Longer life"
    assert {i["title"] for i in content["indicators"]} >= {"Footprint per agent", "Staff trained"}
    assert content["objectives"][0]["title"] == "−10 % by 2030"
    for lang in ("fr", "en"):
        html = documents.render(db_url, ORG, lang)
        assert "Longer life" in html and "<svg" in html and f'lang="{lang}"' in html


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("SOBRE_HOME", str(home))
    from sobre.core.settings import load_settings

    populate(load_settings(home).database_url, tmp_path)
    cli = CliRunner()

    def ok(*args: str) -> str:
        r = cli.invoke(app, list(args))
        assert r.exit_code == 0, r.output
        return r.output

    ok("scenario", "create", "Vie longue", "--org", ORG)
    ok(
        "scenario",
        "add-change",
        "Vie longue",
        "extend_lifetime",
        "--org",
        ORG,
        "--category",
        "laptop",
        "--years",
        "2",
    )
    ok("scenario", "create", "Écrans", "--org", ORG)
    ok(
        "scenario",
        "add-change",
        "Écrans",
        "fewer_devices",
        "--org",
        ORG,
        "--category",
        "monitor",
        "--share",
        "0.5",
    )
    ok("scenario", "create", "Contrat", "--org", ORG)
    ok(
        "scenario",
        "add-change",
        "Contrat",
        "electricity_factor",
        "--org",
        ORG,
        "--site",
        "Salle serveur",
        "--kgco2e-per-kwh",
        "0.01",
    )
    contract = json.loads(ok("scenario", "run", "Contrat", "--org", ORG, "--json"))
    assert contract["effect"]["cells"]["climate_change"]["use"]["delta"] < 0
    assert contract["effect"]["changes"][0]["rows"] == 2  # the two hosts of the server room
    data = json.loads(ok("scenario", "run", "Vie longue", "--org", ORG, "--json"))
    assert data["effect"]["cells"]["climate_change"]["total"]["delta"] < 0
    assert "Écrans" in ok("scenario", "compare", "Vie longue", "Écrans", "--org", ORG)
    ok(
        "action",
        "add",
        "-",
        "--org",
        ORG,
        "--from-scenario",
        "Écrans",
        "--due",
        "2026-06-30",
        "--start",
        "2026-01-01",
    )
    assert "Écrans" in ok("action", "list", "--org", ORG)
    ok("kpi", "add", "fp", "Empreinte par agent", "--org", ORG, "--source", "footprint_per_agent")
    assert "fp:" in ok("kpi", "measure", "--org", ORG, "--date", "2026-01-01")
    ok(
        "review",
        "add",
        "Revue",
        "--org",
        ORG,
        "--decision",
        "Continuer",
        "--adjust",
        "1:status=in_progress",
        "--adjust",
        "1:due=2026-09-30",
    )
    [action] = json.loads(ok("action", "list", "--org", ORG, "--json"))
    assert action["status"] == "in_progress" and action["due_date"] == "2026-09-30"
    [review] = json.loads(ok("review", "list", "--org", ORG, "--json"))
    assert review["decisions"][0] == "Continuer" and "in_progress" in review["decisions"][1]
    bad = cli.invoke(app, ["review", "add", "R", "--org", ORG, "--adjust", "1:colour=red"])
    assert bad.exit_code != 0 and "--adjust" in bad.output
    out = tmp_path / "docs"
    ok("strategy", "export", "--org", ORG, "--out", str(out), "--lang", "en")
    assert (out / "strategy-en.html").read_text(encoding="utf-8").count("<svg") >= 2
    ok(
        "strategy",
        "export",
        "--org",
        ORG,
        "--out",
        str(out),
        "--lang",
        "fr",
        "--format",
        "pdf",
    )
    assert (out / "strategy-fr.pdf").read_bytes().startswith(b"%PDF")
    bad = cli.invoke(
        app,
        ["scenario", "add-change", "Écrans", "reuse", "--org", ORG, "--category", "laptop", "--share", "2"],
    )
    assert bad.exit_code != 0 and "share" in bad.output and "Traceback" not in bad.output
    bad = cli.invoke(app, ["action", "add", "X", "--org", ORG, "--effort", "huge"])
    assert bad.exit_code != 0 and "--effort" in bad.output


def test_cli_offers_what_the_pages_offer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove a change, delete a scenario, change or delete an objective, list the training plan."""
    home = tmp_path / "home"
    monkeypatch.setenv("SOBRE_HOME", str(home))
    from sobre.core.audit import AuditEntry
    from sobre.core.settings import load_settings

    url = load_settings(home).database_url
    populate(url, tmp_path)
    cli = CliRunner()

    def ok(*args: str) -> str:
        r = cli.invoke(app, [*args, "--org", ORG])
        assert r.exit_code == 0, r.output
        return r.output

    ok("scenario", "create", "S")
    ok("scenario", "add-change", "S", "fewer_devices", "--category", "monitor", "--share", "0.5")
    ok("scenario", "add-change", "S", "refurbished", "--category", "laptop", "--share", "0.3")
    assert "2. refurbished" in ok("scenario", "show", "S")
    assert "fewer_devices" in ok("scenario", "remove-change", "S", "1")
    (change,) = json.loads(ok("scenario", "show", "S", "--json"))["changes"]
    assert change["kind"] == "refurbished"
    bad = cli.invoke(app, ["scenario", "remove-change", "S", "5", "--org", ORG])
    assert bad.exit_code == 1 and "no change 4" in bad.output
    ok("scenario", "delete", "S")
    assert json.loads(ok("scenario", "list", "--json")) == []

    ok("objective", "add", "−30 %", "--reduction", "0.3", "--baseline-year", "2025", "--target-year", "2030")
    [objective] = json.loads(ok("objective", "list", "--json"))
    oid = str(objective["id"])
    ok("objective", "update", oid, "--reduction", "0.4", "--baseline", "1000")
    [objective] = json.loads(ok("objective", "list", "--json"))
    assert objective["reduction"] == 0.4 and objective["baseline_value"] == 1000
    ok("objective", "update", oid, "--title", "−40 %")
    [objective] = json.loads(ok("objective", "list", "--json"))
    assert objective["title"] == "−40 %" and objective["baseline_value"] == 1000  # kept
    # The service's refusal, printed in English as the CLI words everything, with the option at fault.
    bad = cli.invoke(app, ["objective", "update", oid, "--target-year", "2020", "--org", ORG])
    assert bad.exit_code == 2 and "the target year comes after the baseline year" in bad.output
    assert "--target-year" in bad.output
    ok("objective", "delete", oid)
    assert json.loads(ok("objective", "list", "--json")) == []

    ok("strategy", "training", "module", "Sobriété", "--audience", "all", "--hours", "2")
    [module] = json.loads(ok("strategy", "training", "list", "--json"))
    assert module["title"] == "Sobriété" and module["sessions"] == []
    with session_scope(url) as s:
        entities = {(e.action, e.entity) for e in s.query(AuditEntry).filter(AuditEntry.via == "cli")}
    assert ("delete", "strategy_scenario") in entities and ("delete", "strategy_objective") in entities


def test_background_state_survives_the_page_and_a_stopped_server(db_url: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sobre.core.errors import InputError
    from sobre.strategy import background
    from sobre.strategy.models import Scenario

    populate(db_url, tmp_path)
    with session_scope(db_url) as s:
        sid = service.create_scenario(s, ORG, "Fond")
        service.add_change(s, ORG, "Fond", "extend_lifetime", {"category": "laptop", "to_years": 6})
        assert background.state(s, ORG, sid).status == "idle"
        # A computation owned by this (live) process: running, and a second one is refused.
        row = s.get(Scenario, sid)
        assert row is not None
        owner = background.liveness.me()
        row.run_status, row.run_step, row.run_started_at = "running", "compute", datetime.now(UTC)
        row.run_owner_host, row.run_owner_pid, row.run_owner_started = owner.host, owner.pid, owner.started
    with session_scope(db_url) as s:
        assert background.state(s, ORG, sid).to_dict()["step"] == "compute"
    with pytest.raises(InputError) as refused:
        background.launch(db_url, ORG, sid)
    assert refused.value.key == "st.refuse.running"
    # Its owner gone (a server stopped mid-computation): reported interrupted, and it may start again.
    with session_scope(db_url) as s:
        row = s.get(Scenario, sid)
        assert row is not None
        row.run_owner_pid, row.run_heartbeat_at = 2**22 + 12345, None
    with session_scope(db_url) as s:
        state = background.state(s, ORG, sid)
    assert state.status == "failed" and state.error == {"key": "st.run.interrupted"}
    background.launch(db_url, ORG, sid)
    deadline = time.monotonic() + 180
    while True:
        with session_scope(db_url) as s:
            state = background.state(s, ORG, sid)
            effect = service.get_scenario(s, ORG, "Fond").effect
        if state.status != "running":
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert state.status == "idle" and effect is not None and effect.delta("climate_change") < 0


@pytest.mark.parametrize("edit", ["add", "remove"])
def test_a_change_made_while_the_scenario_computes_is_not_lost(
    db_url: str, tmp_path: Path, edit: str
) -> None:
    """A change added or removed while the engine computes: the stored effect is that of the changes the
    scenario has, never of those it had when the computation started."""
    populate(db_url, tmp_path)
    with session_scope(db_url) as s:
        service.create_scenario(s, ORG, "Race")
        service.add_change(s, ORG, "Race", "extend_lifetime", {"category": "laptop", "to_years": 6})
        if edit == "remove":
            service.add_change(s, ORG, "Race", "retire_idle_hosts", {})
    edited: list[str] = []

    def progress(step: str) -> None:
        # Between the computation and its storing: the moment a concurrent edit makes it stale.
        if step == "store" and not edited:
            edited.append(step)
            with session_scope(db_url) as s:
                if edit == "add":
                    service.add_change(s, ORG, "Race", "retire_idle_hosts", {})
                else:
                    service.remove_change(s, ORG, "Race", 1)

    view = service.run_scenario(db_url, ORG, "Race", progress=progress)
    assert edited
    with session_scope(db_url) as s:
        stored = service.get_scenario(s, ORG, "Race")
    kinds = [c.kind for c in stored.changes]
    assert kinds == (["extend_lifetime", "retire_idle_hosts"] if edit == "add" else ["extend_lifetime"])
    for v in (view, stored):
        assert v.effect is not None
        assert [c["kind"] for c in v.effect.changes] == kinds
    assert view.effect.to_dict() == stored.effect.to_dict()


def test_a_scenario_edited_at_every_computation_is_left_to_compute(db_url: str, tmp_path: Path) -> None:
    populate(db_url, tmp_path)
    with session_scope(db_url) as s:
        service.create_scenario(s, ORG, "Busy")
        service.add_change(s, ORG, "Busy", "extend_lifetime", {"category": "laptop", "to_years": 6})

    def progress(step: str) -> None:
        if step == "store":
            with session_scope(db_url) as s:
                service.add_change(s, ORG, "Busy", "retire_idle_hosts", {})

    view = service.run_scenario(db_url, ORG, "Busy", progress=progress)
    with session_scope(db_url) as s:
        stored = service.get_scenario(s, ORG, "Busy")
    assert view.effect is None and stored.effect is None  # stale: computed on the next run or page view
    assert len(stored.changes) == 4
