"""Matching free-text manufacturer/model strings to known references, with a confidence.

The catalogue (``data/model_catalog.csv``) lists common laptops, desktops, monitors, phones, servers…
with aliases.  Strings are normalised (case, accents, punctuation, manufacturer aliases, noise such as
storage sizes and carrier names), then scored with rapidfuzz.  Thresholds (documented in docs/inventory.md):

- best score ≥ ``MATCH`` and ahead of the next *different* reference by ≥ ``MARGIN`` → matched;
- best score ≥ ``REVIEW`` otherwise → ambiguous: no reference is set, a person reviews the candidates;
- below ``REVIEW`` → no match.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz

from sobre.inventory.normalise import model_for_matching
from sobre.inventory.vocab import fold

CATALOG_PATH = Path(__file__).parent / "data" / "model_catalog.csv"
MATCH = 90.0
MARGIN = 5.0
REVIEW = 70.0
#: A model number of the candidate that the query lacks (iPhone 8 for "iPhone 7") costs this many points.
_DIGIT_PENALTY = 25.0

MANUFACTURER_ALIASES = {
    "hewlett packard": "hp",
    "hewlett packard enterprise": "hp",
    "hpe": "hp",
    "hp inc": "hp",
    "hp inc.": "hp",
    "hewlett packard company": "hp",
    "dell inc": "dell",
    "dell technologies": "dell",
    "dell emc": "dell",
    "apple inc": "apple",
    "apple computer": "apple",
    "samsung electronics": "samsung",
    "lenovo group": "lenovo",
    "huawei technologies": "huawei",
    "cisco systems": "cisco",
    "fairphone b v": "fairphone",
}
#: Words that say nothing about the model: capacities, carriers, colours, packaging.
_NOISE = re.compile(
    r"^(\d+(gb|go|tb|to|g)|sfr|orange|bouygues|free|noir|black|blanc|white|silver|gris|grey|"
    r"reconditionne|refurbished|neuf|new)$"
)


@dataclass(frozen=True)
class Reference:
    ref: str
    manufacturer: str
    model: str
    category: str
    texts: tuple[str, ...]  # normalised "manufacturer model" spellings


@dataclass
class Match:
    """The outcome for one manufacturer/model pair."""

    ref: str | None = None
    confidence: float | None = None
    category: str | None = None
    candidates: list[dict[str, object]] = field(default_factory=list)  # for the review list

    @property
    def ambiguous(self) -> bool:
        return self.ref is None and bool(self.candidates)


def normalise_manufacturer(text: str | None) -> str:
    folded = fold(text or "")
    return MANUFACTURER_ALIASES.get(folded, folded.split(" ")[0] if folded else "")


def normalise_model(text: str | None, manufacturer: str = "") -> str:
    """The model's words for matching: form factors and generations unified (``normalise``), noise dropped."""
    unified = model_for_matching(manufacturer or None, text) or ""
    words = [w for w in unified.split() if not _NOISE.match(w)]
    while words and manufacturer and words[0] == manufacturer:
        words = words[1:]  # "DELL LATITUDE 5400" written with its manufacturer
    return " ".join(words)


@cache
def catalogue(path: Path = CATALOG_PATH) -> tuple[Reference, ...]:
    refs = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            maker = normalise_manufacturer(row["manufacturer"])
            models = [row["model"], *[a for a in (row.get("aliases") or "").split("|") if a.strip()]]
            texts = tuple(dict.fromkeys(f"{maker} {normalise_model(m, maker)}".strip() for m in models))
            refs.append(Reference(row["ref"], maker, row["model"], row["category"], texts))
    return tuple(refs)


def _digits(text: str) -> set[str]:
    return {w for w in text.split() if any(c.isdigit() for c in w)}


def _score(query: str, text: str) -> float:
    score = 0.5 * fuzz.token_set_ratio(query, text) + 0.5 * fuzz.token_sort_ratio(query, text)
    # A model number of the candidate absent from the query (5410 for "Latitude 5400") is a conflict;
    # extra numbers in the query ("i5", "2019") are only detail.
    missing = _digits(text) - _digits(query)
    return max(0.0, score - _DIGIT_PENALTY * len(missing))


_KNOWN_MAKERS: set[str] = set()


def match(manufacturer: str | None, model: str | None) -> Match:
    """Match one pair against the catalogue (see the module docstring for the thresholds)."""
    refs = catalogue()
    if not _KNOWN_MAKERS:
        _KNOWN_MAKERS.update(r.manufacturer for r in refs)
    maker = normalise_manufacturer(manufacturer)
    if not maker:
        # The manufacturer is often written first in the model ("DELL LATITUDE 5400").
        first = fold(model or "").split(" ")[0] if model else ""
        maker = first if first in _KNOWN_MAKERS else ""
    query_model = normalise_model(model, maker)
    if not query_model:
        return Match()
    query = f"{maker} {query_model}".strip()
    best: dict[str, float] = {}
    exact = [r for r in refs if query in r.texts]
    if len(exact) == 1:
        return Match(exact[0].ref, 1.0, exact[0].category)
    for r in refs:
        if maker and r.manufacturer != maker:
            continue
        texts = r.texts if maker else tuple(t.split(" ", 1)[-1] for t in r.texts)
        # Only an exact spelling earns 100: "Galaxy S10" must not tie with "Galaxy S10 Plus".
        s = min(99.0, max(_score(query, t) for t in texts))
        if s >= REVIEW:
            best[r.ref] = max(s, best.get(r.ref, 0.0))
    if not best:
        return Match()
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    top_ref, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    by_ref = {r.ref: r for r in refs}
    if top >= MATCH and top - second >= MARGIN:
        return Match(top_ref, round(top / 100, 3), by_ref[top_ref].category)
    return Match(candidates=[{"ref": ref, "score": round(s, 1)} for ref, s in ranked[:5]])
