"""Maintain Sobre's gettext catalogues (see ``sobre.core.i18n``).

    python scripts/i18n.py add DOMAIN KEY "English text" "Texte français"   add or change one message
    python scripts/i18n.py merge DOMAIN FILE.json                          add {key: {"en":…, "fr":…}}
    python scripts/i18n.py check                                           every key in both languages
    python scripts/i18n.py normalise                                       rewrite every catalogue sorted

DOMAIN is a capability name (``inventory``, ``reporting``…) or ``core``; its catalogues are
``src/sobre/<DOMAIN>/locale/{en,fr}/LC_MESSAGES/<DOMAIN>.po``.  Rewriting keeps entries sorted by key, so
that two people adding messages rarely touch the same lines.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

SRC = Path(__file__).resolve().parents[1] / "src" / "sobre"
LANGUAGES = ("en", "fr")
_FIXED = datetime(2026, 12, 1, tzinfo=UTC)


def catalogue_path(domain: str, lang: str) -> Path:
    return SRC / domain / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"


def load(domain: str) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        path = catalogue_path(domain, lang)
        if path.is_file():
            with path.open("rb") as f:
                for message in read_po(f):
                    if message.id:
                        merged.setdefault(str(message.id), {})[lang] = str(message.string)
    return merged


def save(domain: str, messages: dict[str, dict[str, str]]) -> None:
    for lang in LANGUAGES:
        catalog = Catalog(
            locale=lang,
            domain=domain,
            project="Sobre",
            version="",
            copyright_holder="Sobre contributors",
            charset="utf-8",
            fuzzy=False,
            # Fixed dates: a rewrite changes only the entries that changed, never the header.
            creation_date=_FIXED,
            revision_date=_FIXED,
            last_translator="Sobre contributors",
            language_team=f"Sobre {lang}",
        )
        for key in sorted(messages):
            texts = messages[key]
            comments = [f"en: {texts.get('en', '')}"] if lang != "en" else []
            catalog.add(key, texts.get(lang, ""), auto_comments=comments)
        path = catalogue_path(domain, lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=110, omit_header=False, sort_output=True)


def all_domains() -> list[str]:
    return sorted(p.parent.parent.parent.parent.name for p in SRC.glob("*/locale/en/LC_MESSAGES/*.po"))


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, args = argv[0], argv[1:]
    if command == "add" and len(args) == 4:
        domain, key, en, fr = args
        messages = load(domain)
        messages[key] = {"en": en, "fr": fr}
        save(domain, messages)
        return 0
    if command == "merge" and len(args) == 2:
        domain, file = args
        messages = load(domain)
        messages.update(json.loads(Path(file).read_text(encoding="utf-8")))
        save(domain, messages)
        return 0
    if command == "normalise":
        for domain in all_domains():
            save(domain, load(domain))
        return 0
    if command == "check":
        bad = [
            f"{domain}: {key} ({lang})"
            for domain in all_domains()
            for key, texts in load(domain).items()
            for lang in LANGUAGES
            if not texts.get(lang)
        ]
        print("\n".join(bad) or "every message has both languages")
        return 1 if bad else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
