"""Countries as ISO 3166-1 alpha-2 codes, recognised from English or French names and common variants.

Inventories and factor tables spell countries every way (``France``, ``FR``, ``FRA``, ``Allemagne``,
``Russian Federation``, ``Russia``); Sobre stores the alpha-2 code everywhere.
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import cache

import pycountry

# Spellings not in ISO 3166's own English or French names, seen in real inventories and factor tables.
_EXTRA = {
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "great britain": "GB",
    "uk": "GB",
    "russia": "RU",
    "usa": "US",
    "united states of america": "US",
    "etats unis": "US",
    "south korea": "KR",
    "korea republic of": "KR",
    "coree du sud": "KR",
    "iran": "IR",
    "vietnam": "VN",
    "czech republic": "CZ",
    "republique tcheque": "CZ",
    "taiwan": "TW",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "syria": "SY",
    "moldova": "MD",
    "cote d ivoire": "CI",
    "ivory coast": "CI",
    "laos": "LA",
    "macedonia": "MK",
    "serbie": "RS",
    "holland": "NL",
    "the netherlands": "NL",
    "turkey": "TR",
}

#: Pseudo-regions used by factor tables; not countries, but valid locations for electricity factors.
REGIONS = {"EU27": "European Union (27)", "WORLD": "World"}
_REGION_NAMES = {
    "eu": "EU27",
    "eu27": "EU27",
    "eu 27": "EU27",
    "european union": "EU27",
    "europe": "EU27",
    "union europeenne": "EU27",
    "world": "WORLD",
    "monde": "WORLD",
    "non specifie": "WORLD",
    "unspecified": "WORLD",
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    cleaned = "".join(c if c.isalnum() else " " for c in text)
    return " ".join(cleaned.split())


@cache
def _index() -> dict[str, str]:
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    index: dict[str, str] = {}
    for c in pycountry.countries:
        names = [c.name, getattr(c, "official_name", ""), getattr(c, "common_name", "")]
        names += [french.gettext(n) for n in names if n]
        for name in names:
            if name:
                index.setdefault(_fold(name), c.alpha_2)
        index[c.alpha_2.lower()] = c.alpha_2
        index[c.alpha_3.lower()] = c.alpha_2
    index.update(_EXTRA)
    index.update(_REGION_NAMES)
    return index


def to_code(text: str | None) -> str | None:
    """Return the ISO alpha-2 code (or ``EU27``/``WORLD``) for a country written any common way, else None."""
    if text is None:
        return None
    folded = _fold(text)
    return _index().get(folded) if folded else None


def name(code: str, lang: str = "en") -> str:
    """Country name in English or French."""
    if code in REGIONS:
        return {"EU27": {"fr": "Union européenne (27)"}, "WORLD": {"fr": "Monde"}}.get(code, {}).get(
            lang, REGIONS[code]
        )
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    english = getattr(country, "common_name", None) or country.name
    if lang == "fr":
        french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
        return french.gettext(country.name)
    return english
