"""Referential packages as plain data: a versioned set of themes and items with their licence and attribution.

Pure module: no database, web or CLI code.  Importers (``importers``) turn official files into a
:class:`Package`; the store keeps it; scoring modules read it.

Texts are dictionaries by language (``{"fr": "…", "en": "…"}``).  Official French referentials have French
texts only; :func:`text` then falls back to French, and callers mark the text as quoted in its original
language.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sobre.core.errors import InputError

#: Scoring methods (and answer scales) a referential may use.
KINDS = ("maturity", "rgesn", "rgaa")
#: Normalised priorities and difficulties; each item keeps its official label too.
PRIORITIES = ("high", "medium", "low")
DIFFICULTIES = ("low", "medium", "high")

Texts = dict[str, str]


def text(texts: Texts | None, lang: str) -> str:
    """``texts`` in ``lang``, else in French (the official language), else in any language; "" if none."""
    if not texts:
        return ""
    return texts.get(lang) or texts.get("fr") or next(iter(texts.values()), "")


def has_language(texts: Texts | None, lang: str) -> bool:
    return bool(texts and texts.get(lang))


_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_SPACES = re.compile(r"[ \t\u00a0]{2,}")


def plain(markdown: str) -> str:
    """Markdown links to their text, runs of spaces to one: for questions shown in tables and documents."""
    return _SPACES.sub(" ", _MD_LINK.sub(r"\1", markdown)).strip()


@dataclass(frozen=True)
class Theme:
    code: str
    label: Texts
    position: int
    description: Texts = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    id: str
    theme: str
    position: int
    question: Texts
    priority: str | None = None
    priority_label: str | None = None
    difficulty: str | None = None
    difficulty_label: str | None = None
    #: The official applicability text ("Applicable à tous les services", "N/A si …").
    applicability: str | None = None
    #: True when the item may never be answered "not applicable".
    always_applicable: bool = False
    roles: tuple[str, ...] = ()
    #: Longer texts by name: objective, implementation, control, body…
    texts: dict[str, Texts] = field(default_factory=dict)
    kpis: tuple[Texts, ...] = ()
    url: str | None = None
    #: Anything else the referential says (WCAG references, number of tests, WCAG level…).
    extra: dict[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        """The fields stored beside ``id``, ``theme`` and ``position``."""
        data = asdict(self)
        for key in ("id", "theme", "position"):
            data.pop(key)
        data["roles"] = list(self.roles)
        data["kpis"] = list(self.kpis)
        return data

    @classmethod
    def from_data(cls, item_id: str, theme: str, position: int, data: dict[str, Any]) -> Item:
        fields = dict(data)
        fields["roles"] = tuple(fields.get("roles") or ())
        fields["kpis"] = tuple(fields.get("kpis") or ())
        return cls(id=item_id, theme=theme, position=position, **fields)


@dataclass(frozen=True)
class Mapping:
    """Item ``from_item`` of (from_code, from_version) corresponds to ``to_item`` of (to_code, to_version)."""

    from_code: str
    from_version: str
    from_item: str
    to_code: str
    to_version: str
    to_item: str
    method: str = "declared"
    score: float | None = None


@dataclass(frozen=True)
class Package:
    code: str
    version: str
    kind: str
    title: Texts
    publisher: str
    published: str | None
    licence: str
    licence_url: str | None
    source: str
    #: The attribution line the licence requires, shown wherever the referential's content is.
    attribution: Texts
    themes: tuple[Theme, ...]
    items: tuple[Item, ...]
    mappings: tuple[Mapping, ...] = ()
    builtin: bool = False
    #: Whether Sobre changed the content (translation, merged texts): CC BY-SA asks to say so.
    modified: Texts = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate(self)

    @property
    def key(self) -> str:
        return f"{self.code} {self.version}"

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def item_ids(self) -> set[str]:
        return {i.id for i in self.items}

    def theme(self, code: str) -> Theme:
        for theme in self.themes:
            if theme.code == code:
                return theme
        raise KeyError(code)

    def items_of(self, theme: str) -> list[Item]:
        return [i for i in self.items if i.theme == theme]

    def meta(self) -> dict[str, Any]:
        """Package fields other than themes, items and mappings (stored as the referential's metadata)."""
        return {
            "title": self.title,
            "publisher": self.publisher,
            "published": self.published,
            "licence": self.licence,
            "licence_url": self.licence_url,
            "source": self.source,
            "attribution": self.attribution,
            "modified": self.modified,
            "themes": [asdict(t) for t in self.themes],
        }

    @classmethod
    def from_meta(
        cls,
        code: str,
        version: str,
        kind: str,
        meta: dict[str, Any],
        items: list[Item],
        *,
        builtin: bool = False,
        mappings: tuple[Mapping, ...] = (),
    ) -> Package:
        return cls(
            code=code,
            version=version,
            kind=kind,
            title=meta["title"],
            publisher=meta["publisher"],
            published=meta.get("published"),
            licence=meta["licence"],
            licence_url=meta.get("licence_url"),
            source=meta["source"],
            attribution=meta["attribution"],
            modified=meta.get("modified") or {},
            themes=tuple(Theme(**t) for t in meta["themes"]),
            items=tuple(items),
            mappings=mappings,
            builtin=builtin,
        )


def validate(package: Package) -> None:
    """Refuse a package that scoring could not read: unknown kind, duplicate ids, items of unknown themes."""
    where = f"referential {package.key}"
    if package.kind not in KINDS:
        raise InputError(f"{where}: unknown kind", value=package.kind, expected=", ".join(KINDS))
    if not package.items:
        raise InputError(f"{where}: no item")
    themes = [t.code for t in package.themes]
    if len(themes) != len(set(themes)):
        raise InputError(f"{where}: a theme code appears twice")
    seen: set[str] = set()
    for item in package.items:
        if item.id in seen:
            raise InputError(f"{where}: item id appears twice", value=item.id)
        seen.add(item.id)
        if item.theme not in themes:
            raise InputError(f"{where}: item {item.id} has an unknown theme", value=item.theme)
        if item.priority is not None and item.priority not in PRIORITIES:
            raise InputError(f"{where}: item {item.id} has an unknown priority", value=item.priority)
        if item.difficulty is not None and item.difficulty not in DIFFICULTIES:
            raise InputError(f"{where}: item {item.id} has an unknown difficulty", value=item.difficulty)
        if not text(item.question, "fr"):
            raise InputError(f"{where}: item {item.id} has no question")
