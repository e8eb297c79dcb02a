"""The knowledge base's full-text index: derived data, made from the articles and remade at will.

- **SQLite**: an external-content FTS5 table (``sd_article_fts``: title, summary, body; accents folded by the
  ``unicode61`` tokenizer with ``remove_diacritics 2``) kept in step with ``sd_article`` by three triggers,
  ranked by BM25 with the title weighing most.
- **PostgreSQL**: a GIN index on the articles' ``tsvector``, each article stemmed in its own language
  (``french`` or ``english``), title, summary and body weighted A, B, C, ranked by ``ts_rank``.

The index is not part of the schema the migrations describe (they build exactly the models): it is created on
first use, in the caller's transaction, and :func:`rebuild` (``sobre kb reindex``) remakes it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

CONFIG = "CASE lang WHEN 'fr' THEN 'french'::regconfig ELSE 'english'::regconfig END"
#: The indexed expression; queries repeat it word for word so that PostgreSQL uses the index.
VECTOR = (
    f"(setweight(to_tsvector({CONFIG}, coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector({CONFIG}, coalesce(summary, '')), 'B') || "
    f"setweight(to_tsvector({CONFIG}, coalesce(body, '')), 'C'))"
)
_NEW = (
    "INSERT INTO sd_article_fts(rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body)"
)
_SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS sd_article_fts USING fts5(title, summary, body, "
    "content='sd_article', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS sd_article_fts_ai AFTER INSERT ON sd_article BEGIN {_NEW}; END",
    "CREATE TRIGGER IF NOT EXISTS sd_article_fts_ad AFTER DELETE ON sd_article BEGIN "
    "INSERT INTO sd_article_fts(sd_article_fts, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS sd_article_fts_au AFTER UPDATE ON sd_article BEGIN "
    "INSERT INTO sd_article_fts(sd_article_fts, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); "
    f"{_NEW}; END",
)
_ready: set[str] = set()


def _key(conn: sa.Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


def ensure_index(session: Session) -> None:
    """Create the index if this database has none yet (filled from the existing articles)."""
    conn = session.connection()
    key = _key(conn)
    if key in _ready:
        return
    if conn.dialect.name == "sqlite":
        exists = conn.execute(
            sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sd_article_fts'")
        ).first()
        for statement in _SQLITE:
            conn.execute(sa.text(statement))
        if not exists:
            conn.execute(sa.text("INSERT INTO sd_article_fts(sd_article_fts) VALUES ('rebuild')"))
    elif conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(f"CREATE INDEX IF NOT EXISTS ix_sd_article_search ON sd_article USING gin ({VECTOR})")
        )
    _ready.add(key)


def rebuild(session: Session) -> None:
    """Remake the index from the articles."""
    conn = session.connection()
    drop_index(conn)
    _ready.discard(_key(conn))
    ensure_index(session)


def drop_index(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for name in ("sd_article_fts_ai", "sd_article_fts_ad", "sd_article_fts_au"):
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        conn.execute(sa.text("DROP TABLE IF EXISTS sd_article_fts"))
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_sd_article_search"))
    _ready.discard(_key(conn))


def query(dialect: str, where: str) -> str:
    """The ranked search over the articles matching ``:q`` and ``where`` (on alias ``a``): id, score, excerpt;
    a higher score is better on both databases."""
    if dialect == "postgresql":
        return (
            f"SELECT a.id, ts_rank({VECTOR}, q) AS score, "
            f"ts_headline({CONFIG}, a.body, q, "
            "'MaxWords=30, MinWords=10, StartSel=«, StopSel=»') AS excerpt "
            "FROM sd_article a, (SELECT to_tsquery('french', :q) || to_tsquery('english', :q) "
            "|| to_tsquery('simple', :q) AS q) s "
            f"WHERE {VECTOR} @@ q AND {where} ORDER BY score DESC, a.id LIMIT :limit"
        )
    return (
        "SELECT a.id, -bm25(sd_article_fts, 10.0, 4.0, 1.0) AS score, "
        "snippet(sd_article_fts, 2, '«', '»', '…', 24) AS excerpt "
        "FROM sd_article_fts JOIN sd_article a ON a.id = sd_article_fts.rowid "
        f"WHERE sd_article_fts MATCH :q AND {where} ORDER BY score DESC, a.id LIMIT :limit"
    )
