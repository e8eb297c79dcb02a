"""A run made with BoaviztAPI keeps its factor rows, so every item can be explained afterwards.

The BoaviztAPI server is faked at the HTTP level (``httpx.MockTransport``): the real client, its request
shapes and its answer parsing run; the answers follow BoaviztAPI's JSON shape with made-up numbers.
"""

from __future__ import annotations

import httpx
import pytest

from sobre.core.db import session_scope
from sobre.footprint.boavizta import FakeBoaviztClient, HttpBoaviztClient, Request
from sobre.footprint.factors.store import list_factor_sets
from sobre.footprint.runs.service import explain_item, load_run, run_footprint
from tests.footprint.runs.helpers import seed_inventory


def _transport() -> httpx.MockTransport:
    """Answers every BoaviztAPI route with the fake model's payload for that request."""
    fake = FakeBoaviztClient()

    def handler(request: httpx.Request) -> httpx.Response:
        params = tuple((k, v) for k, v in request.url.params.multi_items())
        archetype = dict(params).get("archetype") or "default"
        body = request.content.decode()
        path = request.url.path
        kind = (
            "server"
            if path == "/v1/server/"
            else "cloud_instance"
            if "cloud" in path
            else path.rsplit("/")[-1]
        )
        duration = float(dict(params)["duration"])
        req = Request(kind, request.url.path, params, body, archetype, None, duration)
        return httpx.Response(200, json=fake._answer(req))

    return httpx.MockTransport(handler)


def test_explain_every_item_of_a_boavizta_run(db_url: str) -> None:
    seed_inventory(db_url)
    client = HttpBoaviztClient("http://boavizta.test", transport=_transport())
    summary = run_footprint(db_url, "Ville A", boavizta=client)
    assert summary.methodology_version.endswith("+boavizta")
    # The run points at a stored set holding BoaviztAPI's rows.
    assert summary.factor_set_id == "sobre-default+boavizta"
    with session_scope(db_url) as session:
        stored = {(s["id"], s["version"]) for s in list_factor_sets(session)}
    assert (summary.factor_set_id, summary.factor_set_version) in stored
    _, result = load_run(db_url, summary.id)
    refs = dict(zip(result.items["name"], result.items["factor_ref"], strict=False))
    assert refs["srv-1"].startswith("boavizta:server:") and refs["pc-lot"].startswith("boavizta:terminal:")
    for name, kind in (("srv-1", "equipment"), ("pc-lot", "equipment"), ("vm-1", "vm")):
        data = explain_item(db_url, "Ville A", name)
        assert data["item"]["item_kind"] == kind
        explanation = data["explanation"]
        target = explanation["host"] if kind == "vm" else explanation
        assert target["inputs"]["factor_ref"]["value"].startswith("boavizta:")
        made = next(
            r
            for r in target["impacts"]
            if r["stage"] == "manufacturing" and r["criterion"] == "climate_change"
        )
        assert (
            made["factor_rows"] and made["factor_rows"][0]["ref"] == target["inputs"]["factor_ref"]["value"]
        )
        assert "BoaviztAPI" in made["factor_rows"][0]["source"]
    # A second run with the same answers reuses the same stored set.
    again = run_footprint(db_url, "Ville A", boavizta=client)
    assert again.factor_set_version == summary.factor_set_version


@pytest.mark.parametrize("lang", ["fr"])
def test_boavizta_run_warnings_are_codes(db_url: str, lang: str) -> None:
    from sobre.footprint.engine.messages import describe, parse

    seed_inventory(db_url)
    client = HttpBoaviztClient("http://boavizta.test", transport=_transport())
    summary = run_footprint(db_url, "Ville A", boavizta=client)
    assert summary.warnings and all(parse(w) is not None for w in summary.warnings)
    assert all(describe(w, lang) != w for w in summary.warnings)
