"""The demo town's lifecycle pages in a real browser: out of the box it has lifecycle events, purchases and
retirements; its REEN strategy and its AGEC/REEN figures render in French and English; its CSRD tables sum
to the footprint run they come from; a WEEE certificate of a collection is downloadable from each item.

One test, so that the demo (a minute or two) is built once whatever the test workers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sobre.core.db import session_scope
from sobre.demo.town import ORG_NAME
from sobre.lifecycle import service
from tests.lifecycle.test_browser_pages import signed_in
from tests.web.harness import make_user
from tests.web.live import assert_budgets, live_server, measure

pytestmark = pytest.mark.browser

READER = "elu@sobreville.example"


@pytest.mark.long
def test_the_demo_town_in_the_browser(demo_town_copy: Any, browser: Any) -> None:
    demo = demo_town_copy  # a copy of the run's demo town: this test adds a user and serves it
    with session_scope(demo.database_url) as s:
        org = s.execute(sa.text("select id from organisation where name = :n"), {"n": ORG_NAME}).scalar_one()
    make_user(demo.database_url, READER, roles={org: "viewer"})
    recycled = service.list_events(demo.database_url, ORG_NAME, kind="recycled")
    batch = recycled[0].batch_id
    proof = service.certificate_for_item(
        demo.database_url, demo.home, ORG_NAME, recycled[0].item
    ).path.read_bytes()
    o = f"/o/{org}"
    with live_server(demo.home) as base:
        checks: list[Any] = []
        for lang, texts in {
            # Which required blocks remain to write depends on the strategy capability's seed.
            "fr": ("Stratégie numérique responsable", "60 000 habitants"),
            "en": ("Responsible digital strategy", "60,000 inhabitants"),
        }.items():
            context = signed_in(browser, base, READER, lang=lang)
            page = context.new_page()
            page.goto(f"{base}{o}/regulatory/reen?year=2025")
            text = " ".join(page.locator("main").inner_text().replace("\u202f", " ").split())
            assert all(x in text for x in texts), (lang, text[:600])
            # The AGEC and REEN art. 16 figures of 2024, across the change of decree.
            page.goto(f"{base}{o}/regulatory/agec?year=2024")
            text = page.locator("main").inner_text()
            assert ("Décret n° 2021-254" in text) and ("Décret n° 2024-134" in text)
            assert ("sous Décret" if lang == "fr" else "under Décret") in text
            assert (
                "Réemploi des matériels informatiques réformés" if lang == "fr" else "Reuse of reformed IT"
            ) in text
            checks.append(context.storage_state())
            context.close()
        state = checks[0]
        # The CSRD tables sum to the footprint run they come from: the page shows both totals.
        context = signed_in(browser, base, READER)
        page = context.new_page()
        page.goto(f"{base}{o}/regulatory/csrd")
        rows = page.locator("#csrd-check tbody tr")
        assert rows.count() == 2
        values = [re.match(r"[\d\s\u202f,]+", rows.nth(i).locator("td").first.inner_text()) for i in range(2)]
        assert values[0] and values[1] and values[0].group(0).strip() == values[1].group(0).strip()
        assert f"calcul d'empreinte {demo.run_id}" in rows.nth(1).inner_text().lower()
        # Lifecycle events, purchases and retirements out of the box.
        page.goto(f"{base}{o}/lifecycle?kind=recycled")
        assert "entrées" in page.locator(".count").inner_text()
        page.goto(f"{base}{o}/purchases?year=2024")
        assert page.locator("main table tbody tr").count() >= 2
        # A WEEE collection: the certificate from each item of the batch.
        page.goto(f"{base}{o}/lifecycle/batches/{batch}")
        links = page.locator("main table a[href$='/certificate']")
        assert links.count() >= 2
        for i in range(min(links.count(), 4)):
            with page.expect_download() as info:
                links.nth(i).click()
            assert Path(info.value.path()).read_bytes() == proof
        context.close()
        for path in (
            f"{o}/lifecycle",
            f"{o}/regulatory/reen?year=2025",
            f"{o}/regulatory/agec?year=2024",
            f"{o}/regulatory/csrd?part=e1-6",
            f"{o}/regulatory/report?year=2025&part=fleet-age",
            f"{o}/suppliers",
        ):
            for lang, st in (("fr", state), ("en", checks[1])):
                m = measure(browser, base, path, st, lang=lang)
                print(m.line())
                assert m.status == 200
                assert_budgets(m)
