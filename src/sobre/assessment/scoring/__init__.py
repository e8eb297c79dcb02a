"""Pure scoring of assessments: plain answers in, :class:`~sobre.core.estimate.Estimate` scores out.

One module per method: ``maturity`` (levels 0–4, priority-weighted), ``rgesn`` (the official weighted score
of RGESN 2024) and ``rgaa`` (the RGAA conformity rates over a sample of pages).  None imports database, web
or CLI code.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: Scores are percentages; maturity levels are on the 0–4 scale.
PERCENT = "%"
LEVEL = "level"


@dataclass(frozen=True)
class Answer:
    """One answer as scoring sees it (``page`` is set for RGAA answers only)."""

    item_id: str
    status: str | None = None
    level: int | None = None
    target_level: int | None = None
    page: str = ""
    evidence: int = 0
    comment: str | None = None


def fold(text: str) -> str:
    """Lower case without accents or extra spaces, to read statuses typed by hand ("validé", "VALIDE")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).replace("_", " ").split())
