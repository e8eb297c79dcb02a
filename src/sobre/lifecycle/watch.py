"""Technology and regulatory watch: feeds the user follows, entries with tags, relevance, expected impact
on the IS, decision and follow-up action, and a digest.

Nothing is fetched unless the user configured a source; entries can be added by hand, offline.  Feeds are
fetched with httpx (timeout, size limit, conditional requests with ETag / Last-Modified) and parsed with
feedparser (RSS 0.9x–2.0, RSS 1.0, Atom; its HTML sanitising keeps scripts out of summaries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from sobre.core.db import session_scope, write_session
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.lifecycle.models import WatchEntry, WatchSource
from sobre.orgs import service as orgs

MAX_FEED_BYTES = 5 * 1024 * 1024
TIMEOUT_S = 20.0


class Decision(StrEnum):
    TO_ASSESS = "to_assess"
    MONITOR = "monitor"
    ADOPT = "adopt"
    COMPLY = "comply"  # a rule the organisation must apply
    REJECT = "reject"
    DONE = "done"


KINDS = ("technology", "regulation")


@dataclass(frozen=True)
class FeedItem:
    guid: str
    title: str
    url: str | None
    published: date | None
    summary: str | None


def parse_feed(content: bytes) -> list[FeedItem]:
    """Items of an RSS or Atom document; InputError when it is neither."""
    import feedparser

    parsed = feedparser.parse(content)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise InputError(f"not a readable RSS or Atom feed ({reason})")
    out = []
    for e in parsed.entries:
        title = (e.get("title") or "").strip()
        link = e.get("link")
        guid = e.get("id") or link or title
        if not guid or not title:
            continue
        when = e.get("published_parsed") or e.get("updated_parsed")
        summary = re.sub(r"<[^>]+>", " ", e.get("summary") or "")
        out.append(
            FeedItem(
                str(guid)[:500],
                title[:500],
                link,
                date(*when[:3]) if when else None,
                " ".join(summary.split())[:4000] or None,
            )
        )
    return out


def _read_capped(response: Any) -> bytes:
    """The body, refusing a feed larger than MAX_FEED_BYTES without reading it whole."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_FEED_BYTES:
            raise InputError(f"the feed is larger than {MAX_FEED_BYTES // 1_048_576} MB")
        chunks.append(chunk)
    return b"".join(chunks)


def _org(session: Any, org: str) -> int:
    return orgs.get(session, org).id


def add_source(
    database_url: str, org: str, name: str, url: str, tags: list[str] | None = None
) -> dict[str, Any]:
    if not url.startswith(("http://", "https://")):
        raise InputError("a feed address starts with http:// or https://", column="URL", value=url)
    import httpx

    try:
        if not httpx.URL(url).host:
            raise httpx.InvalidURL("no host")
    except httpx.InvalidURL as exc:
        raise InputError(f"not a usable address ({exc})", column="URL", value=url) from None
    with write_session(database_url) as session:
        org_id = _org(session, org)
        if session.scalar(
            sa.select(WatchSource.id).where(WatchSource.org_id == org_id, WatchSource.name == name)
        ):
            raise SobreError(f"watch source {name!r} exists")
        session.add(WatchSource(org_id=org_id, name=name, url=url, tags=tags or []))
    return {"name": name, "url": url, "tags": tags or []}


def list_sources(database_url: str, org: str) -> list[dict[str, Any]]:
    with session_scope(database_url) as session:
        rows = session.scalars(
            sa.select(WatchSource).where(WatchSource.org_id == _org(session, org)).order_by(WatchSource.name)
        )
        return [
            {
                "name": s.name,
                "url": s.url,
                "tags": s.tags or [],
                "active": s.active,
                "last_fetched_at": s.last_fetched_at.isoformat() if s.last_fetched_at else None,
                "last_error": s.last_error,
            }
            for s in rows
        ]


@dataclass(frozen=True)
class _Source:
    """What a fetch needs of a source, read before any network call (no row object held open)."""

    id: int
    url: str
    etag: str | None
    last_modified: str | None
    tags: list[str]


@dataclass
class _Outcome:
    items: list[FeedItem]
    fetched_at: datetime
    error: str | None = None
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None


def _fetch_one(client: Any, source: _Source) -> _Outcome:
    """One source over the network, outside any database transaction; a failure is its outcome."""
    import httpx

    headers = {
        k: v for k, v in (("If-None-Match", source.etag), ("If-Modified-Since", source.last_modified)) if v
    }
    try:
        with client.stream("GET", source.url, headers=headers) as response:
            if response.status_code == 304:
                return _Outcome([], datetime.now(UTC), not_modified=True)
            response.raise_for_status()
            items = parse_feed(_read_capped(response))
            return _Outcome(
                items,
                datetime.now(UTC),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
    except (httpx.HTTPError, httpx.InvalidURL, InputError) as exc:
        return _Outcome([], datetime.now(UTC), error=f"{type(exc).__name__}: {exc}"[:2000])
    except Exception as exc:  # noqa: BLE001 - an unforeseen failure of one feed (a parser or transport
        # error httpx does not wrap) is kept as that source's error, not a loss of the others' entries
        return _Outcome([], datetime.now(UTC), error=f"{type(exc).__name__}: {exc}"[:2000])


def fetch(database_url: str, org: str, *, client: Any = None, source: str | None = None) -> dict[str, int]:
    """Fetch every active configured source (or one) and add the entries not seen yet.

    ``client`` is an ``httpx.Client`` (tests pass one with a mock transport).  A source that fails keeps its
    error for the user; the others are still fetched and their entries kept.  The feeds are read with no
    transaction open (a slow feed takes up to TIMEOUT_S each), then every result is written in one short
    write transaction, so other writers never wait on the network.
    """
    import httpx

    with session_scope(database_url) as session:
        org_id = _org(session, org)
        q = sa.select(WatchSource).where(WatchSource.org_id == org_id, WatchSource.active.is_(True))
        if source:
            q = q.where(WatchSource.name == source)
        sources = [
            _Source(s.id, s.url, s.etag, s.last_modified, list(s.tags or [])) for s in session.scalars(q)
        ]
    if source and not sources:
        raise NotFound(f"no watch source named {source!r}")
    counts = {"sources": len(sources), "new": 0, "failed": 0}
    if not sources:
        return counts
    own = client is None
    client = client or httpx.Client(
        timeout=TIMEOUT_S, follow_redirects=True, headers={"User-Agent": "Sobre watch (+feed reader)"}
    )
    try:
        outcomes = [(s, _fetch_one(client, s)) for s in sources]
    finally:
        if own:
            client.close()
    with write_session(database_url) as session:
        for src, outcome in outcomes:
            row = session.get(WatchSource, src.id)
            if row is None:  # removed while its feed was read
                continue
            row.last_fetched_at = outcome.fetched_at
            row.last_error = outcome.error
            if outcome.error:
                counts["failed"] += 1
                continue
            if not outcome.not_modified:
                row.etag, row.last_modified = outcome.etag, outcome.last_modified
            counts["new"] += _add_new(session, org_id, src, outcome.items)
    return counts


def _add_new(session: Any, org_id: int, src: _Source, items: list[FeedItem]) -> int:
    """Add the items of one source not already in the organisation's watch; how many were new."""
    seen = set(
        session.scalars(
            sa.select(WatchEntry.guid).where(
                WatchEntry.org_id == org_id, WatchEntry.guid.in_([i.guid for i in items])
            )
        )
    )
    new = 0
    for item in items:
        if item.guid in seen:
            continue
        seen.add(item.guid)
        session.add(
            WatchEntry(
                org_id=org_id,
                source_id=src.id,
                guid=item.guid,
                title=item.title,
                url=item.url,
                published=item.published,
                summary=item.summary,
                tags=list(src.tags),
                kind="technology",
            )
        )
        new += 1
    return new


def _check(fields: dict[str, Any]) -> None:
    if fields.get("relevance") is not None and not 1 <= int(fields["relevance"]) <= 5:
        raise InputError(
            "relevance is from 1 (low) to 5 (high)", column="--relevance", value=fields["relevance"]
        )
    if fields.get("decision") is not None and fields["decision"] not in {d.value for d in Decision}:
        raise InputError(
            "unknown decision",
            column="--decision",
            value=fields["decision"],
            expected=", ".join(d.value for d in Decision),
        )
    if fields.get("kind") is not None and fields["kind"] not in KINDS:
        raise InputError("unknown kind", column="--kind", value=fields["kind"], expected=", ".join(KINDS))


def add_entry(database_url: str, org: str, title: str, **fields: Any) -> dict[str, Any]:
    """An entry written by hand (a circular read, a talk heard, a rule published)."""
    _check(fields)
    with write_session(database_url) as session:
        org_id = _org(session, org)
        guid = fields.pop("guid", None) or f"manual:{fields.get('url') or title}"
        if session.scalar(
            sa.select(WatchEntry.id).where(WatchEntry.org_id == org_id, WatchEntry.guid == guid)
        ):
            raise SobreError(f"an entry for {fields.get('url') or title!r} exists")
        row = WatchEntry(org_id=org_id, guid=guid, title=title, **fields)
        session.add(row)
        session.flush()
        return _view(row, None)


def update_entry(
    database_url: str, org: str, entry_id: int, *, clear: bool = False, **fields: Any
) -> dict[str, Any]:
    """Assess an entry; ``None`` leaves a field as it is, unless ``clear`` (a form that shows every field)."""
    _check(fields)
    with write_session(database_url) as session:
        row = session.get(WatchEntry, entry_id)
        if row is None or row.org_id != _org(session, org):
            raise NotFound(f"no watch entry {entry_id}")
        for k, v in fields.items():
            if v is not None or clear:
                setattr(row, k, v)
        return _view(row, None)


def _view(e: WatchEntry, source: str | None) -> dict[str, Any]:
    return {
        "id": e.id,
        "title": e.title,
        "url": e.url,
        "published": e.published.isoformat() if e.published else None,
        "source": source,
        "kind": e.kind,
        "tags": e.tags or [],
        "relevance": e.relevance,
        "impact": e.impact,
        "decision": e.decision,
        "action": e.action,
        "owner": e.owner,
        "due": e.due.isoformat() if e.due else None,
        "summary": e.summary,
    }


def list_entries(
    database_url: str,
    org: str,
    *,
    since: date | None = None,
    decision: str | None = None,
    tag: str | None = None,
    min_relevance: int | None = None,
) -> list[dict[str, Any]]:
    with session_scope(database_url) as session:
        org_id = _org(session, org)
        names = dict(
            session.execute(
                sa.select(WatchSource.id, WatchSource.name).where(WatchSource.org_id == org_id)
            ).all()
        )
        q = sa.select(WatchEntry).where(WatchEntry.org_id == org_id)
        if since:
            q = q.where(sa.or_(WatchEntry.published >= since, WatchEntry.published.is_(None)))
        if decision:
            q = q.where(WatchEntry.decision == decision)
        if min_relevance:
            q = q.where(WatchEntry.relevance >= min_relevance)
        rows = [
            _view(e, names.get(e.source_id) if e.source_id else None)
            for e in session.scalars(
                q.order_by(WatchEntry.relevance.desc().nulls_last(), WatchEntry.published.desc().nulls_last())
            )
        ]
    return [r for r in rows if tag is None or tag in r["tags"]]


def digest_document(database_url: str, org: str, since: date, lang: str) -> Any:
    """The watch digest since a date: entries by kind, most relevant first, with decision and action."""
    from sobre.core.i18n import t
    from sobre.lifecycle.document import Block, Cell, DocTable, Document

    entries = list_entries(database_url, org, since=since)
    blocks = []
    for kind in KINDS:
        rows = [
            [
                Cell(e["title"]),
                Cell(", ".join(e["tags"])),
                Cell(str(e["relevance"] or "—"), True),
                Cell(e["impact"] or "—"),
                Cell(t(f"lc.watch.decision.{e['decision']}", lang)),
                Cell(e["action"] or "—"),
                Cell(e["owner"] or "—"),
                Cell(e["due"] or "—"),
                Cell(e["url"] or ""),
            ]
            for e in entries
            if e["kind"] == kind
        ]
        head = [
            t(f"lc.watch.col.{c}", lang)
            for c in ("title", "tags", "relevance", "impact", "decision", "action", "owner", "due", "link")
        ]
        blocks.append(
            Block(
                f"watch-{kind}",
                t(f"lc.watch.kind.{kind}", lang),
                tables=[DocTable(f"watch-{kind}", t(f"lc.watch.kind.{kind}", lang), head, rows)],
            )
        )
    return Document(
        "watch",
        lang,
        t("lc.watch.doc_title", lang),
        org,
        f"≥ {since.isoformat()}",
        blocks,
        data={"since": since.isoformat(), "entries": entries},
    )
