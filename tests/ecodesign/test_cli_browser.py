"""``sobre ecoindex`` in a real browser: pages and a journey recorded under their service, exit codes.

The CLI starts its own browser, as it does for a user. Playwright's sync API allows one ``sync_playwright()``
per thread and the test process's shared Chromium holds this thread's, so the CLI runs in a thread of its own.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sobre.cli import app
from tests.ecodesign.site import HOME_DOM, serve

pytestmark = pytest.mark.browser


def test_cli_measures_and_records(home: Path, tmp_path: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip(
            "Debian's Chromium (/usr/bin/chromium) is not installed; scripts/setup.sh --dev installs it"
        )
    with serve() as site, ThreadPoolExecutor(1) as thread:
        thread.submit(_measure_and_record, site.url, tmp_path).result()


def _measure_and_record(url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["org", "create", "Ville"]).exit_code == 0
    assert runner.invoke(app, ["service", "create", "Mairie", "--org", "Ville", "--url", url]).exit_code == 0
    journey = tmp_path / "j.json"
    journey.write_text(json.dumps({"name": "Contact", "steps": [{"goto": url + "/demarches"}]}))
    result = runner.invoke(
        app,
        ["ecoindex", url + "/", "--journey", str(journey), "--org", "Ville", "--wait", "0.3", "--json"],
    )
    assert result.exit_code == 0, result.output
    pages = json.loads(result.output)["pages"]
    assert [p["step"] for p in pages] == [None, "step 1"] and pages[0]["dom"] == HOME_DOM
    result = runner.invoke(app, ["ecoindex", url + "/absent", "--org", "Ville", "--wait", "0"])
    assert result.exit_code == 1 and "Not measured" in result.output, result.output
    result = runner.invoke(app, ["service", "ecoindex", "Mairie", "--org", "Ville", "--json"])
    history = json.loads(result.output)
    assert len(history) == 3 and history[0]["error"] and history[-1]["score"] == pages[0]["score"]
