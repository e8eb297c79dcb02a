"""The watch: RSS 2.0 and Atom feeds read through a mock HTTP transport (nothing leaves the machine), new
entries only, conditional requests, a failing source kept with its error, hand-written entries, digest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest

from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.lifecycle import watch
from sobre.orgs import service as orgs

ORG = "Veilleurs"
RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Numérique responsable — actualités</title>
  <link>https://example.org/</link>
  <description>Actualités</description>
  <item>
    <title>Publication du référentiel d'écoconception 2024</title>
    <link>https://example.org/actu/rgesn-2024</link>
    <guid isPermaLink="false">actu-2024-05-17</guid>
    <pubDate>Fri, 17 May 2024 09:00:00 +0200</pubDate>
    <description><![CDATA[<p>Le référentiel <strong>RGESN</strong> est publié.</p>
      <script>alert(1)</script>]]></description>
  </item>
  <item>
    <title>Taux de réemploi 2025</title>
    <link>https://example.org/actu/reemploi</link>
    <pubDate>Mon, 06 Jan 2025 10:00:00 +0100</pubDate>
  </item>
</channel>
</rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Green software news</title>
  <id>urn:uuid:60a76c80-d399-11d9-b91C-0003939e0af6</id>
  <updated>2025-03-01T12:00:00Z</updated>
  <entry>
    <title>Carbon-aware scheduling in batch jobs</title>
    <link href="https://example.com/posts/carbon-aware"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2025-03-01T12:00:00Z</updated>
    <summary>Shift flexible work to low-carbon hours.</summary>
  </entry>
</feed>"""


@pytest.fixture
def url(sqlite_url: str) -> str:
    with session_scope(sqlite_url) as s:
        orgs.create(s, ORG)
    return sqlite_url


def _client(calls: list[httpx.Request]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.url.host == "down.example.net":
            return httpx.Response(503)
        if request.url.host == "huge.example.net":
            return httpx.Response(200, content=b"<rss>" + b" " * (watch.MAX_FEED_BYTES + 10))
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        body = RSS if request.url.host == "example.org" else ATOM
        return httpx.Response(200, content=body.encode(), headers={"etag": '"v1"'})

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_parse_real_formats() -> None:
    rss = watch.parse_feed(RSS.encode())
    assert [i.guid for i in rss] == ["actu-2024-05-17", "https://example.org/actu/reemploi"]
    assert rss[0].published == date(2024, 5, 17) and "RGESN" in (rss[0].summary or "")
    assert "alert" not in (rss[0].summary or "")  # scripts are dropped
    (atom,) = watch.parse_feed(ATOM.encode())
    assert atom.url == "https://example.com/posts/carbon-aware" and atom.published == date(2025, 3, 1)
    with pytest.raises(InputError, match="not a readable RSS or Atom"):
        watch.parse_feed(b"<html><body>Not a feed</body></html>")


def test_nothing_fetched_without_sources(url: str) -> None:
    calls: list[httpx.Request] = []
    assert watch.fetch(url, ORG, client=_client(calls)) == {"sources": 0, "new": 0, "failed": 0}
    assert calls == []


def test_fetch_new_entries_conditional_and_failures(url: str) -> None:
    watch.add_source(url, ORG, "Ministère", "https://example.org/rss.xml", ["réglementation"])
    watch.add_source(url, ORG, "Green software", "https://example.com/atom.xml")
    watch.add_source(url, ORG, "Down", "https://down.example.net/feed")
    watch.add_source(url, ORG, "Huge", "https://huge.example.net/feed")
    calls: list[httpx.Request] = []
    client = _client(calls)
    assert watch.fetch(url, ORG, client=client) == {"sources": 4, "new": 3, "failed": 2}
    assert watch.fetch(url, ORG, client=client)["new"] == 0  # second read: 304, nothing new
    assert (
        calls[-1].headers.get("if-none-match") == '"v1"' or calls[-2].headers.get("if-none-match") == '"v1"'
    )
    sources = {s["name"]: s for s in watch.list_sources(url, ORG)}
    assert "503" in (sources["Down"]["last_error"] or "") and sources["Ministère"]["last_error"] is None
    assert "larger than 5 MB" in (sources["Huge"]["last_error"] or "")
    entries = watch.list_entries(url, ORG, tag="réglementation")
    assert len(entries) == 2 and entries[0]["source"] == "Ministère"


def test_hand_entries_decisions_and_digest(url: str, tmp_path: Path) -> None:
    from sobre.lifecycle.document import write

    e = watch.add_entry(
        url,
        ORG,
        "Décret 2024-134",
        kind="regulation",
        published=date(2024, 2, 23),
        relevance=5,
        tags=["AGEC"],
        impact="Part de réemploi des achats",
    )
    watch.update_entry(url, ORG, e["id"], decision="comply", action="Lot reconditionné", owner="Achats")
    with pytest.raises(InputError, match="relevance"):
        watch.update_entry(url, ORG, e["id"], relevance=9)
    (row,) = watch.list_entries(url, ORG, decision="comply")
    assert row["action"] == "Lot reconditionné"
    html = write(watch.digest_document(url, ORG, date(2024, 1, 1), "fr"), "html", tmp_path, "veille")
    text = html.read_text(encoding="utf-8")
    assert "Réglementation" in text and "à appliquer" in text and "Lot reconditionné" in text


def test_feeds_are_read_with_no_write_transaction_open(url: str) -> None:
    """A slow feed must not hold the database: another writer commits while the feed is still being read,
    and a source failing in an unforeseen way keeps its error without losing the others' entries."""
    import threading

    watch.add_source(url, ORG, "A fast", "https://example.org/rss.xml")
    watch.add_source(url, ORG, "B broken", "https://broken.example.net/feed")
    watch.add_source(url, ORG, "C slow", "https://example.com/atom.xml")
    written = threading.Event()
    seen_during_fetch: list[bool] = []

    def write_meanwhile() -> None:
        watch.add_entry(url, ORG, "Written while a feed is read", kind="regulation")
        written.set()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "broken.example.net":
            raise RuntimeError("parser fell over")
        if request.url.host == "example.com":  # the slow feed: a writer runs while it is read
            writer = threading.Thread(target=write_meanwhile)
            writer.start()
            seen_during_fetch.append(written.wait(timeout=15))
            writer.join()
        body = RSS if request.url.host == "example.org" else ATOM
        return httpx.Response(200, content=body.encode())

    counts = watch.fetch(url, ORG, client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert seen_during_fetch == [True]  # the other write was not kept waiting on the network
    assert counts == {"sources": 3, "new": 3, "failed": 1}
    sources = {s["name"]: s for s in watch.list_sources(url, ORG)}
    assert "RuntimeError: parser fell over" in (sources["B broken"]["last_error"] or "")
    titles = {e["title"] for e in watch.list_entries(url, ORG)}
    assert "Written while a feed is read" in titles and "Carbon-aware scheduling in batch jobs" in titles
