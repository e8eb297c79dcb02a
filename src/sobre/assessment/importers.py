"""Read the official referential files into :class:`Package` objects (pure: files in, data out).

- RGESN 2024: ``referentiel-ecoconception.json`` of DISIC/MiNumEco (a list of 78 criteria keyed by
  ``numero``); the v1 (2022) transcription, whose question key is ``critere-v1`` and which has no priority, is
  read too so that old answers can be carried to 2024 through a mapping.
- The DINUM good-practice guide for organisations v1: the official "Flux JSON" export
  (``thematiques[].bonnesPratiques[]``), or the same file with each practice's page body merged in
  (``texte_markdown``).
- RGAA 4.1.2: ``RGAA/criteres.json`` of DISIC/accessibilite.numerique.gouv.fr.
- Sobre's own package format (``"format": "sobre-referential/1"``), used by the built-in maturity model.

Every error names the file, the entry (row) and the field (column) at fault.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sobre.assessment.referentials import Item, Mapping, Package, Theme, plain
from sobre.core.errors import InputError

SOBRE_FORMAT = "sobre-referential/1"
ALWAYS_APPLICABLE = "Applicable à tous les services"

RGESN_PRIORITY = {"Prioritaire": "high", "Recommandé": "medium", "Modéré": "low"}
RGESN_DIFFICULTY = {"Faible": "low", "Moyen": "medium", "Fort": "high"}
#: English names of the RGESN 2024 themes (Sobre's translation of the theme titles only).
RGESN_THEMES_EN = {
    "Stratégie": "Strategy",
    "Spécifications": "Specifications",
    "Architecture": "Architecture",
    "UX/UI": "User experience and interface (UX/UI)",
    "Contenus": "Content",
    "Frontend": "Front end",
    "Backend": "Back end",
    "Hébergement": "Hosting",
    "Algorithmie": "Algorithms",
}
GBPNR_PRIORITY = {"Prioritaire": "high", "Recommandée": "medium", "Aller plus loin": "low"}
GBPNR_DIFFICULTY = {"Facile": "low", "Moyenne": "medium", "Difficile": "high"}
#: English names of the guide's nine domains (Sobre's translation of the titles only).
GBPNR_THEMES_EN = {
    "a": "Strategy and governance",
    "b": "Awareness and training",
    "c": "Measurement and assessment",
    "d": "Reducing purchases",
    "e": "Sustainable and responsible purchasing",
    "f": "Use, administration and settings",
    "g": "Digital services",
    "h": "Server rooms and data centres",
    "i": "End of use",
}
RGAA_THEMES_EN = {
    "1": "Images",
    "2": "Frames",
    "3": "Colours",
    "4": "Multimedia",
    "5": "Tables",
    "6": "Links",
    "7": "Scripts",
    "8": "Mandatory elements",
    "9": "Structure of information",
    "10": "Presentation of information",
    "11": "Forms",
    "12": "Navigation",
    "13": "Consultation",
}

RGESN_SOURCE = (
    "https://www.arcep.fr/demarches-et-services/professionnels/referentiel-general-ecoconception-services-"
    "numeriques.html (JSON: github.com/DISIC/MiNumEco, _data/referentiel-ecoconception.json)"
)
GBPNR_SOURCE = (
    "https://ecoresponsable.numerique.gouv.fr/publications/bonnes-pratiques/ (JSON export: "
    "guide-bonnes-pratiques-numerique-responsable-export-version-v1.json)"
)
RGAA_SOURCE = (
    "https://accessibilite.numerique.gouv.fr/ (JSON: github.com/DISIC/accessibilite.numerique.gouv.fr, "
    "RGAA/criteres.json)"
)
ETALAB = "Licence Ouverte / Open Licence 2.0 (Etalab)"
ETALAB_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_json(path: Path) -> Any:
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", file=str(path), expected="a UTF-8 JSON file") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", file=str(path), row=exc.lineno) from exc


def _field(entry: Any, key: str, path: Path, row: int, *, required: bool = True) -> Any:
    if not isinstance(entry, dict):
        raise InputError("entry is not an object", file=str(path), row=row)
    value = entry.get(key)
    if required and (value is None or (isinstance(value, str) and not value.strip())):
        raise InputError("missing value", file=str(path), row=row, column=key)
    return value


def _label(value: str, table: dict[str, str], path: Path, row: int, column: str) -> str:
    key = " ".join(value.split())
    if key not in table:
        raise InputError(
            "unknown value", file=str(path), row=row, column=column, value=value, expected=", ".join(table)
        )
    return table[key]


def _sort_key(item_id: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", item_id))


def read_rgesn(path: Path, version: str | None = None) -> Package:
    """The RGESN JSON of DISIC/MiNumEco (2024 shape, or the v1 2022 shape without priorities)."""
    data = read_json(path)
    if not isinstance(data, list) or not data:
        raise InputError("expected a list of criteria (RGESN JSON of DISIC/MiNumEco)", file=str(path))
    v1 = isinstance(data[0], dict) and "critere-v1" in data[0]
    version = version or ("2022" if v1 else "2024")
    themes: dict[str, Theme] = {}
    items: list[Item] = []
    seen: set[str] = set()
    for row, entry in enumerate(data, start=1):
        numero = str(_field(entry, "numero", path, row)).strip()
        if not re.fullmatch(r"\d+\.\d+", numero):
            raise InputError(
                "not a criterion number",
                file=str(path),
                row=row,
                column="numero",
                value=numero,
                expected="theme.criterion, e.g. 4.12",
            )
        if numero in seen:
            raise InputError(
                "criterion number appears twice", file=str(path), row=row, column="numero", value=numero
            )
        seen.add(numero)
        theme_code = numero.split(".")[0]
        theme_label = str(_field(entry, "thematique", path, row)).strip()
        if theme_code not in themes:
            themes[theme_code] = Theme(
                theme_code,
                {"fr": theme_label, "en": RGESN_THEMES_EN.get(theme_label, theme_label)},
                len(themes) + 1,
            )
        question = str(_field(entry, "critere-v1" if v1 else "critere", path, row))
        priority_label = None if v1 else str(_field(entry, "priorite", path, row)).strip()
        difficulty_label = None if v1 else str(_field(entry, "difficulte", path, row)).strip()
        applicability = None if v1 else " ".join(str(_field(entry, "cible", path, row)).split())
        roles = (
            ()
            if v1
            else tuple(r.strip() for r in str(_field(entry, "metiers", path, row)).split(",") if r.strip())
        )
        texts = {
            name: {"fr": str(entry[key]).strip()}
            for name, key in (
                ("objective", "objectif"),
                ("implementation", "miseEnOeuvre"),
                ("control", "controle"),
            )
            if isinstance(entry.get(key), str) and entry[key].strip()
        }
        items.append(
            Item(
                id=numero,
                theme=theme_code,
                position=0,
                question={"fr": " ".join(question.split())},
                priority=_label(priority_label, RGESN_PRIORITY, path, row, "priorite")
                if priority_label
                else None,
                priority_label=priority_label,
                difficulty=(
                    _label(difficulty_label, RGESN_DIFFICULTY, path, row, "difficulte")
                    if difficulty_label
                    else None
                ),
                difficulty_label=difficulty_label,
                applicability=applicability,
                always_applicable=applicability == ALWAYS_APPLICABLE,
                roles=roles,
                texts=texts,
            )
        )
    items.sort(key=lambda i: _sort_key(i.id))
    items = [_at(i, n) for n, i in enumerate(items, start=1)]
    title = "Référentiel général de l’écoconception des services numériques"
    return Package(
        code="rgesn",
        version=version,
        kind="rgesn",
        title={
            "fr": f"{title} (RGESN) {version}",
            "en": f"General reference framework for the eco-design of digital services (RGESN) {version}",
        },
        publisher="Arcep, Arcom, ADEME" if not v1 else "DINUM / MiNumEco",
        published="2024-05-17" if version == "2024" else None,
        licence="CC BY-SA 4.0" if not v1 else ETALAB,
        licence_url="https://creativecommons.org/licenses/by-sa/4.0/" if not v1 else ETALAB_URL,
        source=RGESN_SOURCE,
        attribution={
            "fr": f"Arcep, Arcom, ADEME – {title}, version {version}; transcription JSON DINUM/MiNumEco. "
            + ("Licence CC BY-SA 4.0." if not v1 else "Licence Ouverte 2.0."),
            "en": f"Arcep, Arcom, ADEME – {title}, version {version}; JSON transcription by DINUM/MiNumEco. "
            + ("Licensed under CC BY-SA 4.0." if not v1 else "Licence Ouverte 2.0."),
        },
        modified={
            "fr": "Critères cités tels quels ; seuls les noms des thématiques sont traduits par Sobre.",
            "en": "Criteria quoted unchanged; only theme names are translated into English by Sobre.",
        },
        themes=tuple(themes.values()),
        items=tuple(items),
    )


def _at(item: Item, position: int) -> Item:
    from dataclasses import replace

    return replace(item, position=position)


def read_gbpnr(path: Path, version: str | None = None) -> Package:
    """The DINUM guide's JSON export (optionally with each practice's body text merged in)."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("thematiques"), list):
        raise InputError(
            "expected the guide's JSON export with a 'thematiques' list", file=str(path), column="thematiques"
        )
    version = version or str(data.get("version") or "v1")
    fulltext = False
    themes: list[Theme] = []
    items: list[Item] = []
    seen: set[str] = set()
    row = 0
    for t_index, theme in enumerate(data["thematiques"], start=1):
        code = str(_field(theme, "id", path, t_index)).strip().rstrip(".")
        label = str(_field(theme, "titre", path, t_index)).strip()
        themes.append(Theme(code, {"fr": label, "en": GBPNR_THEMES_EN.get(code, label)}, t_index))
        practices = theme.get("bonnesPratiques")
        if not isinstance(practices, list):
            raise InputError("missing list", file=str(path), row=t_index, column="bonnesPratiques")
        for practice in practices:
            row += 1
            item_id = str(_field(practice, "id", path, row)).strip()
            if item_id in seen:
                raise InputError(
                    "practice id appears twice", file=str(path), row=row, column="id", value=item_id
                )
            seen.add(item_id)
            if not item_id.startswith(code + "."):
                raise InputError(
                    f"practice id is outside its domain {code}",
                    file=str(path),
                    row=row,
                    column="id",
                    value=item_id,
                )
            priority_label = str(_field(practice, "priorite", path, row)).strip()
            difficulty_label = str(_field(practice, "difficulte", path, row)).strip()
            body = practice.get("texte_markdown")
            fulltext = fulltext or bool(body)
            items.append(
                Item(
                    id=item_id,
                    theme=code,
                    position=row,
                    question={"fr": str(_field(practice, "titre", path, row)).strip()},
                    priority=_label(priority_label, GBPNR_PRIORITY, path, row, "priorite"),
                    priority_label=priority_label,
                    difficulty=_label(difficulty_label, GBPNR_DIFFICULTY, path, row, "difficulte"),
                    difficulty_label=difficulty_label,
                    roles=tuple(str(r).strip() for r in practice.get("pilotes") or () if str(r).strip()),
                    kpis=tuple({"fr": " ".join(str(k).split())} for k in practice.get("indicateurs") or ()),
                    texts={"body": {"fr": body.strip()}} if body else {},
                    url=practice.get("url"),
                )
            )
    updated = str(data.get("updated_at") or "2023-06-01")
    name = "Guide de bonnes pratiques numérique responsable pour les organisations"
    attribution_fr = f"DINUM / MiNumEco – {name} {version} ({updated}), Licence Ouverte 2.0"
    attribution_en = f"DINUM / MiNumEco – {name} {version} ({updated}), Licence Ouverte 2.0 (Etalab)"
    if fulltext:
        attribution_fr += " ; modifié : texte des pages fusionné"
        attribution_en += "; modified: body text merged"
    return Package(
        code="gbpnr",
        version=version,
        kind="maturity",
        title={
            "fr": f"{name} {version}",
            "en": f"Responsible digital good-practice guide for organisations {version}",
        },
        publisher="DINUM, MTE, INR",
        published=updated,
        licence=ETALAB,
        licence_url=ETALAB_URL,
        source=str(data.get("url") or GBPNR_SOURCE),
        attribution={"fr": attribution_fr + ".", "en": attribution_en + "."},
        modified={
            "fr": "Noms de domaines traduits en anglais par Sobre.",
            "en": "Domain names translated into English by Sobre.",
        },
        themes=tuple(themes),
        items=tuple(items),
    )


_WCAG_LEVEL = re.compile(r"\((A{1,3})\)\s*$")


def read_rgaa(path: Path, version: str | None = None) -> Package:
    """``RGAA/criteres.json``: topics of criteria with their tests and WCAG references."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise InputError("expected RGAA criteres.json with a 'topics' list", file=str(path), column="topics")
    version = version or "4.1.2"
    themes: list[Theme] = []
    items: list[Item] = []
    row = 0
    for topic in data["topics"]:
        row += 1
        number = str(_field(topic, "number", path, row))
        label = str(_field(topic, "topic", path, row))
        themes.append(Theme(number, {"fr": label, "en": RGAA_THEMES_EN.get(number, label)}, int(number)))
        for entry in _field(topic, "criteria", path, row):
            row += 1
            criterium = _field(entry, "criterium", path, row)
            item_id = f"{number}.{_field(criterium, 'number', path, row)}"
            wcag: list[str] = []
            techniques: list[str] = []
            for ref in criterium.get("references") or ():
                wcag += ref.get("wcag", [])
                techniques += ref.get("techniques", [])
            levels = {m.group(1) for w in wcag if (m := _WCAG_LEVEL.search(w))}
            level = min(levels, key=len) if levels else None
            tests = criterium.get("tests") or {}
            items.append(
                Item(
                    id=item_id,
                    theme=number,
                    position=row,
                    question={"fr": plain(str(_field(criterium, "title", path, row)))},
                    priority={"A": "high", "AA": "medium"}.get(level or "", "low") if level else None,
                    priority_label=f"WCAG {level}" if level else None,
                    texts={
                        name: {"fr": "\n".join(plain(str(x)) for x in criterium[key])}
                        for name, key in (
                            ("particular_cases", "particularCases"),
                            ("technical_note", "technicalNote"),
                        )
                        if criterium.get(key)
                    },
                    extra={"wcag": wcag, "techniques": techniques, "tests": len(tests), "level": level},
                    url=f"https://accessibilite.numerique.gouv.fr/methode/criteres-et-tests/#{item_id}",
                )
            )
    wcag_version = (data.get("wcag") or {}).get("version")
    name = "Référentiel général d’amélioration de l’accessibilité (RGAA)"
    return Package(
        code="rgaa",
        version=version,
        kind="rgaa",
        title={"fr": f"{name} {version}", "en": f"French accessibility reference framework (RGAA) {version}"},
        publisher="DINUM",
        published="2023-04-18" if version == "4.1.2" else None,
        licence=ETALAB,
        licence_url=ETALAB_URL,
        source=RGAA_SOURCE + (f"; WCAG {wcag_version}" if wcag_version else ""),
        attribution={
            "fr": f"DINUM – {name} version {version}, Licence Ouverte 2.0.",
            "en": f"DINUM – {name} version {version}, Licence Ouverte 2.0 (Etalab).",
        },
        modified={
            "fr": "Liens du glossaire retirés des intitulés ; noms de thématiques traduits par Sobre.",
            "en": "Glossary links removed from titles; topic names translated by Sobre.",
        },
        themes=tuple(themes),
        items=tuple(items),
    )


def read_sobre(path: Path, version: str | None = None, *, builtin: bool = False) -> Package:
    """A package in Sobre's own JSON format (the built-in maturity model, or one a user wrote)."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("format") != SOBRE_FORMAT:
        raise InputError(
            "not a Sobre referential package",
            file=str(path),
            column="format",
            value=data.get("format") if isinstance(data, dict) else None,
            expected=SOBRE_FORMAT,
        )
    for key in ("code", "version", "kind", "meta", "items"):
        _field(data, key, path, 0)
    items = []
    for row, entry in enumerate(data["items"], start=1):
        fields = dict(entry)
        try:
            item_id, theme = str(fields.pop("id")), str(fields.pop("theme"))
            items.append(Item.from_data(item_id, theme, row, fields))
        except (KeyError, TypeError) as exc:
            raise InputError(f"invalid item ({exc})", file=str(path), row=row, column="items") from exc
    code, version = str(data["code"]), version or str(data["version"])
    mappings = tuple(
        Mapping(
            code,
            version,
            str(m["from"]),
            str(m["to_code"]),
            str(m["to_version"]),
            str(m["to"]),
            str(m.get("method", "declared")),
            m.get("score"),
        )
        for m in data.get("mappings", ())
    )
    return Package.from_meta(
        code, version, str(data["kind"]), data["meta"], items, builtin=builtin, mappings=mappings
    )


def write_sobre(package: Package, path: Path) -> Path:
    """Write ``package`` in Sobre's JSON format (what ``read_sobre`` reads back)."""
    data = {
        "format": SOBRE_FORMAT,
        "code": package.code,
        "version": package.version,
        "kind": package.kind,
        "meta": package.meta(),
        "items": [{"id": i.id, "theme": i.theme, **i.to_data()} for i in package.items],
        "mappings": [
            {
                "from": m.from_item,
                "to_code": m.to_code,
                "to_version": m.to_version,
                "to": m.to_item,
                "method": m.method,
                "score": m.score,
            }
            for m in package.mappings
        ],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


READERS: dict[str, Callable[..., Package]] = {
    "rgesn": read_rgesn,
    "gbpnr": read_gbpnr,
    "rgaa": read_rgaa,
    "sobre": read_sobre,
}


def read(name: str, path: Path, version: str | None = None) -> Package:
    """Read the official file of referential ``name`` (rgesn, gbpnr, rgaa) or a Sobre package (sobre)."""
    reader = READERS.get(name)
    if reader is None:
        raise InputError("unknown referential", column="NAME", value=name, expected=", ".join(READERS))
    return reader(path, version)


BUILTIN = Path(__file__).parent / "data" / "sobre-maturity.json"


def builtin_maturity() -> Package:
    """Sobre's own maturity model, which works with nothing installed."""
    return read_sobre(BUILTIN, builtin=True)
