"""Use cases of the knowledge base: articles with their versions, review dates, full-text search,
suggestions for a new ticket, accessible HTML and PDF, and Sobre's starter set of eco-gestures.

Search runs in the database (:mod:`sobre.servicedesk.search`): SQLite's FTS5 (accents folded, every word
matched as a prefix, ranked by BM25 with the title weighing most) or PostgreSQL's full-text search (each
article stemmed in its own language, ranked by ``ts_rank``).  Bodies are Markdown; raw HTML in them is
shown as text, never run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.servicedesk import search as index
from sobre.servicedesk.models import Article, ArticleTicket, ArticleVersion, Category, utcnow

KINDS = ("procedure", "faq", "guide", "tutorial", "eco_gesture")
AUDIENCES = ("end_user", "manager", "technical", "all")
STATUSES = ("draft", "published", "archived")
STARTER = Path(__file__).parent / "data" / "kb"
#: A suggestion scores at least this share of the best one.
SUGGEST_SHARE = 0.6
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
_WORD = re.compile(r"\w+", re.UNICODE)
_MARKS = re.compile(r"[#*_`>]+")
#: Words too common to help find an article (French and English), left out of suggestions.
_STOP_WORDS = (
    "le la les un une des de du et ou en au aux ce ces cette mon ma mes ne pas plus sur pour par avec "
    "sans dans est sont il elle on je nous vous ils qui que quoi très the a an of and or to in on for "
    "with is are it my not no this that be can cannot does do"
)
_STOP = frozenset(_STOP_WORDS.split())


def _check(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(f"unknown {field}", column=field, value=value, expected=", ".join(allowed))
    return str(value)


def get(session: Session, org_id: int, slug: str, lang: str) -> Article:
    found = session.scalar(
        sa.select(Article).where(Article.org_id == org_id, Article.slug == slug, Article.lang == lang)
    )
    if found is None:
        raise NotFound(f"no article {slug!r} in {lang}")
    return found


def by_id(session: Session, org_id: int, article_id: int) -> Article:
    found = session.get(Article, article_id)
    if found is None or found.org_id != org_id:
        raise NotFound(f"no article {article_id} in this organisation")
    return found


def save(
    session: Session,
    org_id: int,
    *,
    slug: str,
    lang: str,
    title: str,
    body: str,
    author: str,
    kind: str | None = None,
    summary: str | None = None,
    audience: str | None = None,
    category: str | None = None,
    status: str | None = None,
    review_on: date | None = None,
    source_title: str | None = None,
    source_url: str | None = None,
    note: str | None = None,
    builtin: bool = False,
) -> Article:
    """Create an article or write its next version (the previous ones are kept)."""
    if not _SLUG.match(slug or ""):
        raise InputError("a slug is lower-case letters, digits and dashes", column="slug", value=slug)
    _check("lang", lang, ("fr", "en"))
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise InputError(
            "an article needs a title and a body", column="title" if not title else "body", value=""
        )
    if source_url and not source_url.startswith(("https://", "http://")):
        raise InputError("a source is an http(s) address", column="source_url", value=source_url)
    category_id = None
    if category:
        from sobre.servicedesk.desk import category_by_name

        found = category_by_name(session, org_id, category)
        category_id = found.id if found else None
    existing = session.scalar(
        sa.select(Article).where(Article.org_id == org_id, Article.slug == slug, Article.lang == lang)
    )
    now = utcnow()
    if existing is None:
        a = Article(
            org_id=org_id,
            slug=slug,
            lang=lang,
            kind=_check("kind", kind or "faq", KINDS),
            audience=_check("audience", audience or "all", AUDIENCES),
            title=title,
            summary=summary or "",
            body=body,
            category_id=category_id,
            status=_check("status", status or "draft", STATUSES),
            version=1,
            review_on=review_on,
            source_title=source_title,
            source_url=source_url,
            author=author,
            builtin=builtin,
            created_at=now,
            updated_at=now,
        )
        session.add(a)
        session.flush()
    else:
        a = existing
        changed = (title, body, summary if summary is not None else a.summary) != (a.title, a.body, a.summary)
        if kind is not None:
            a.kind = _check("kind", kind, KINDS)
        if audience is not None:
            a.audience = _check("audience", audience, AUDIENCES)
        if status is not None:
            a.status = _check("status", status, STATUSES)
        for name, value in (
            ("review_on", review_on),
            ("source_title", source_title),
            ("source_url", source_url),
        ):
            if value is not None:
                setattr(a, name, value)
        if category_id is not None:
            a.category_id = category_id
        if summary is not None:
            a.summary = summary
        a.title, a.body, a.updated_at, a.author = title, body, now, author
        if not changed:
            session.flush()
            return a
        a.version += 1
    session.add(
        ArticleVersion(
            org_id=org_id,
            article_id=a.id,
            version=a.version,
            title=a.title,
            summary=a.summary,
            body=a.body,
            author=author,
            note=note,
            at=now,
        )
    )
    session.flush()
    return a


def set_status(session: Session, org_id: int, slug: str, lang: str, status: str) -> Article:
    a = get(session, org_id, slug, lang)
    a.status = _check("status", status, STATUSES)
    session.flush()
    return a


def history(session: Session, org_id: int, slug: str, lang: str) -> list[dict[str, Any]]:
    a = get(session, org_id, slug, lang)
    return [
        {"version": v.version, "title": v.title, "author": v.author, "at": v.at.isoformat(), "note": v.note}
        for v in session.scalars(
            sa.select(ArticleVersion)
            .where(ArticleVersion.article_id == a.id)
            .order_by(ArticleVersion.version)
        )
    ]


def restore(session: Session, org_id: int, slug: str, lang: str, version: int, *, author: str) -> Article:
    """Make an old version the current one again (as a new version, so nothing is lost)."""
    a = get(session, org_id, slug, lang)
    old = session.scalar(
        sa.select(ArticleVersion).where(ArticleVersion.article_id == a.id, ArticleVersion.version == version)
    )
    if old is None:
        raise NotFound(f"article {slug!r} has no version {version}")
    return save(
        session,
        org_id,
        slug=slug,
        lang=lang,
        title=old.title,
        body=old.body,
        summary=old.summary,
        author=author,
        note=f"restored version {version}",
    )


def due_for_review(session: Session, org_id: int, today: date) -> list[dict[str, Any]]:
    """Published articles whose review date has come."""
    q = (
        sa.select(Article)
        .where(Article.org_id == org_id, Article.status == "published", Article.review_on <= today)
        .order_by(Article.review_on, Article.slug)
    )
    return [card(a) for a in session.scalars(q)]


def card(a: Article, **extra: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "slug": a.slug,
        "lang": a.lang,
        "kind": a.kind,
        "audience": a.audience,
        "title": a.title,
        "summary": a.summary,
        "status": a.status,
        "version": a.version,
        "review_on": a.review_on.isoformat() if a.review_on else None,
        "source_title": a.source_title,
        "source_url": a.source_url,
        "updated_at": a.updated_at.isoformat(),
        **extra,
    }


def list_articles(
    session: Session,
    org_id: int,
    *,
    lang: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    audience: str | None = None,
) -> list[dict[str, Any]]:
    q = sa.select(Article).where(Article.org_id == org_id).order_by(Article.kind, Article.title)
    for column, value in ((Article.lang, lang), (Article.kind, kind), (Article.status, status)):
        if value:
            q = q.where(column == value)
    if audience:
        q = q.where(Article.audience.in_((audience, "all")))
    return [card(a) for a in session.scalars(q)]


# ---------------------------------------------------------------- search


def words(text: str) -> list[str]:
    """The words of a query, lower-cased, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in _WORD.findall(text.lower()):
        if w not in seen and w != "_":
            seen[w] = None
    return list(seen)


def _fts5_query(terms: list[str], any_term: bool) -> str:
    # Each word quoted (so FTS5 operators typed by a user stay plain words) and matched as a prefix.
    return (" OR " if any_term else " ").join(f'"{t}"*' for t in terms)


def search(
    session: Session,
    org_id: int,
    query: str,
    *,
    lang: str | None = None,
    audience: str | None = None,
    published_only: bool = True,
    any_term: bool = False,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Articles matching ``query`` (every word, or any with ``any_term``), best first, with an excerpt."""
    terms = words(query)
    if not terms:
        return []
    conditions = ["a.org_id = :org"]
    params: dict[str, Any] = {"org": org_id, "limit": limit}
    if lang:
        conditions.append("a.lang = :lang")
        params["lang"] = lang
    if audience:
        conditions.append("a.audience IN (:audience, 'all')")
        params["audience"] = audience
    if published_only:
        conditions.append("a.status = 'published'")
    where = " AND ".join(conditions)
    index.ensure_index(session)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Words from the \w+ pattern carry no tsquery operator; each is a prefix, stemmed per language.
        params["q"] = (" | " if any_term else " & ").join(f"{t}:*" for t in terms)
    else:
        params["q"] = _fts5_query(terms, any_term)
    sql = index.query(dialect, where)
    rows = session.execute(sa.text(sql), params).all()
    articles = {
        a.id: a for a in session.scalars(sa.select(Article).where(Article.id.in_([r[0] for r in rows])))
    }
    # The excerpt is plain text: Markdown marks (headings, emphasis) left out.
    return [card(articles[r[0]], excerpt=_MARKS.sub("", r[2] or "").strip(), score=float(r[1])) for r in rows]


def suggest(
    session: Session,
    org_id: int,
    text: str,
    *,
    lang: str | None = None,
    category_id: int | None = None,
    audience: str | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Published articles that may answer a ticket being opened (its title and description), those of the
    ticket's category first."""
    # Cut long words to a 6-letter prefix: a crude stemmer, so "imprimante" also finds "imprimer".
    terms = [w[:6] for w in words(text) if len(w) > 2 and w not in _STOP][:12]
    if not terms:
        return []
    found = search(
        session, org_id, " ".join(terms), lang=lang, audience=audience, any_term=True, limit=limit * 3
    )
    if found:
        # A match on one common word of a long ticket is noise: keep those close to the best.
        best = max(c["score"] for c in found)
        found = [c for c in found if c["score"] >= SUGGEST_SHARE * best]
    if category_id is not None:
        ids = {
            a
            for a in session.scalars(
                sa.select(Article.id).where(Article.org_id == org_id, Article.category_id == category_id)
            )
        }
        found.sort(key=lambda c: c["id"] not in ids)  # stable: keeps the ranking within each part
    return found[:limit]


def link_ticket(session: Session, org_id: int, article_id: int, ticket_id: int) -> None:
    by_id(session, org_id, article_id)
    if session.get(ArticleTicket, (article_id, ticket_id)) is None:
        session.add(ArticleTicket(article_id=article_id, ticket_id=ticket_id, org_id=org_id))
        session.flush()


def viewed(session: Session, org_id: int, article_id: int) -> None:
    session.execute(
        sa.update(Article)
        .where(Article.id == article_id, Article.org_id == org_id)
        .values(views=Article.views + 1)
    )


# ---------------------------------------------------------------- rendering


def markdown_html(body: str) -> str:
    """Markdown to HTML; raw HTML is escaped and unsafe links (``javascript:``) are dropped by markdown-it.
    Headings start at level 2, under the article's own ``h1``."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    tokens = md.parse(body)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + 1)
            token.tag = f"h{level}"
    return md.renderer.render(tokens, md.options, {})


@dataclass(frozen=True)
class Rendered:
    title: str
    lang: str
    html: str
    summary: str
    source_title: str | None
    source_url: str | None
    version: int
    updated: str
    kind: str


def rendered(a: Article) -> Rendered:
    return Rendered(
        a.title,
        a.lang,
        markdown_html(a.body),
        a.summary,
        a.source_title,
        a.source_url,
        a.version,
        a.updated_at.date().isoformat(),
        a.kind,
    )


def export_html(a: Article) -> str:
    """A standalone accessible page of the article (its language declared, landmarks, a readable width)."""
    from sobre.servicedesk.documents import render

    return render("kb_article.html", article=rendered(a), lang=a.lang)


def export_pdf(a: Article, path: Path) -> Path:
    """The article as a tagged PDF (PDF/UA-style structure from the same HTML)."""
    from sobre.core.pdf import html_to_pdf

    return html_to_pdf(export_html(a), path, base_url=str(path.parent), pdf_variant="pdf/ua-1")


# ---------------------------------------------------------------- starter set


def read_starter() -> list[dict[str, str]]:
    """Sobre's starter articles: ``data/kb/<slug>.<lang>.md``, ``key: value`` header lines, then ``---``."""
    out = []
    for path in sorted(STARTER.glob("*.md")):
        slug, lang = path.stem.rsplit(".", 1)
        head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
        meta = dict(line.split(": ", 1) for line in head.strip().splitlines())
        for required in ("title", "kind", "audience", "summary", "source_title", "source_url"):
            if not meta.get(required):
                raise SobreError(f"starter article {path.name} lacks {required!r}")
        out.append({"slug": slug, "lang": lang, "body": body.strip(), **meta})
    return out


def install_starter(session: Session, org_id: int, *, review_on: date | None = None) -> int:
    """Add (or bring up to date) Sobre's starter articles, published; returns how many changed."""
    changed = 0
    for s in read_starter():
        before = session.scalar(
            sa.select(Article.version).where(
                Article.org_id == org_id, Article.slug == s["slug"], Article.lang == s["lang"]
            )
        )
        a = save(
            session,
            org_id,
            slug=s["slug"],
            lang=s["lang"],
            title=s["title"],
            body=s["body"],
            summary=s["summary"],
            kind=s["kind"],
            audience=s["audience"],
            status="published",
            source_title=s["source_title"],
            source_url=s["source_url"],
            author="Sobre",
            builtin=True,
            review_on=review_on,
            note="Sobre starter set",
        )
        changed += before != a.version
    return changed


def category_name(session: Session, a: Article) -> str | None:
    return (
        session.scalar(sa.select(Category.name).where(Category.id == a.category_id))
        if a.category_id
        else None
    )
