"""The bodies of the assessment API: what it reads and answers, bounded and documented for OpenAPI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, Field

from sobre.web.params import Id


def _printable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


#: Texts of the bodies: bounded, and without NUL (which PostgreSQL refuses in text columns).
Tiny = Annotated[str, Field(max_length=40), AfterValidator(_printable)]
Short = Annotated[str, Field(max_length=255), AfterValidator(_printable)]
Medium = Annotated[str, Field(max_length=2000), AfterValidator(_printable)]
Long = Annotated[str, Field(max_length=10000), AfterValidator(_printable)]


Kind = Literal["maturity", "rgesn", "rgaa"]
State = Literal["draft", "submitted", "validated"]
Sort = Literal["date", "-date", "title", "-title", "status", "-status", "kind", "-kind", "id", "-id"]
#: Item ids and codes as referentials write them ("1.1", "a3", "4.1.2").
Code = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[\w.\-]+$")]
Lang = Literal["fr", "en"]


class FigureOut(BaseModel):
    value: float | None
    low: float | None = None
    high: float | None = None
    unit: str
    status: str
    source: str = ""
    reason: str | None = None
    warnings: list[str] = []


class ReferentialOut(BaseModel):
    code: str
    version: str
    kind: Kind
    title: str
    publisher: str
    published: str | None
    licence: str
    attribution: str
    themes: int
    items: int
    builtin: bool
    installed_at: datetime


class ThemeOut(BaseModel):
    code: str
    label: dict[str, str]


class ReferentialDetail(ReferentialOut):
    licence_url: str | None
    source: str
    modified: str | None
    theme_list: list[ThemeOut]


class ItemOut(BaseModel):
    id: str
    theme: str
    position: int
    question: dict[str, str]
    priority: str | None
    priority_label: str | None
    difficulty: str | None
    difficulty_label: str | None
    applicability: str | None
    always_applicable: bool
    roles: list[str]
    texts: dict[str, dict[str, str]]
    kpis: list[dict[str, str]]
    url: str | None
    extra: dict[str, Any]


class AssessmentOut(BaseModel):
    id: int
    kind: Kind
    referential: str
    version: str
    service: str | None
    title: str
    status: State
    assessed_on: date
    started_by: str
    started_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    validated_by: str | None
    validated_at: datetime | None
    previous_id: int | None
    details: dict[str, Any]
    answered: int
    items: int
    overall: FigureOut | None = None


class DetailsIn(BaseModel):
    sample: Long | None = None
    evaluator: Short | None = None
    referent: Short | None = None
    target_score: float | None = Field(default=None, ge=0, le=100)
    target_date: date | None = None
    plan: Long | None = None
    review_frequency: Short | None = None
    contact: Medium | None = None
    technologies: Medium | None = None
    tools: Medium | None = None
    environment: Medium | None = None
    default_target: int | None = Field(default=None, ge=0, le=4)
    scope: Long | None = None

    def fields(self) -> dict[str, Any]:
        out = self.model_dump(exclude_none=True)
        if "target_date" in out:
            out["target_date"] = out["target_date"].isoformat()
        return out


class StartIn(BaseModel):
    kind: Kind
    referential: Tiny | None = None
    version: Tiny | None = None
    service: Short | None = Field(default=None, description="Digital service (RGESN, RGAA)")
    title: Short | None = None
    assessed_on: date | None = None
    from_assessment: Id | None = None
    details: DetailsIn | None = None


class EvidenceOut(BaseModel):
    id: int
    kind: Literal["text", "link", "file"]
    text: str | None
    url: str | None
    file_name: str | None
    sha256: str | None
    size: int | None
    added_by: str
    added_at: datetime


class AnswerOut(BaseModel):
    item_id: str
    page: str
    status: str | None
    level: int | None
    target_level: int | None
    comment: str | None
    answered_by: str
    answered_at: datetime
    evidence: list[EvidenceOut]


class AnswerIn(BaseModel):
    status: Tiny | None = Field(
        default=None,
        description="RGESN: Validé, Non validé, En cours, Non applicable, À évaluer (or their codes); "
        "RGAA: C, NC, NA, NT; maturity: na",
    )
    level: int | None = Field(default=None, ge=0, le=4, description="Maturity level 0–4")
    target: int | None = Field(default=None, ge=0, le=4, description="Target maturity level 0–4")
    comment: Long | None = None
    page: Tiny | None = Field(default=None, description="RGAA: page of the sample")
    evidence: list[Long] = Field(default=[], max_length=20, description="Evidence texts")
    links: list[Medium] = Field(default=[], max_length=20, description="Evidence links")


class ThemeScoreOut(BaseModel):
    label: str
    score: FigureOut
    target: FigureOut | None = None
    rated: int | None = None
    unrated: int | None = None
    not_applicable: int | None = None
    counts: dict[str, int] | None = None
    validated_weight: float | None = None
    applicable_weight: float | None = None


class PageScoreOut(BaseModel):
    code: str
    title: str
    rate: FigureOut
    counts: dict[str, int]


class ScoreOut(BaseModel):
    kind: Kind
    referential: str
    overall: FigureOut
    themes: dict[str, ThemeScoreOut]
    counts: dict[str, int]
    target: FigureOut | None = None
    average: FigureOut | None = None
    state: str | None = None
    pages: list[PageScoreOut] | None = None
    validated_weight: float | None = None
    applicable_weight: float | None = None


class OriginOut(BaseModel):
    referential: str
    version: str
    item: str


class RecommendationOut(BaseModel):
    title: dict[str, str]
    origin: OriginOut
    theme: str
    kpis: list[dict[str, str]]
    owner_role: str | None
    roles: list[str]
    priority: str | None
    difficulty: str | None
    gap: float
    current: str | None
    target: str | None
    gain: float | None
    check: dict[str, str]
    url: str | None
    pages: list[str]


class EventOut(BaseModel):
    at: datetime
    by: str
    role: str | None
    action: str
    item_id: str | None
    page: str | None
    before: str | None
    after: str | None


class PageOut(BaseModel):
    code: str
    title: str
    url: str | None
    process: str | None


class PageIn(BaseModel):
    code: Tiny = Field(min_length=1)
    title: Short = Field(min_length=1)
    url: Medium | None = None
    process: Short | None = None


class DerogationOut(BaseModel):
    id: int
    kind: Literal["burden", "exempt"]
    content: str
    justification: str | None
    alternative: str | None
    criteria: list[str]
    pages: list[str]


class DerogationIn(BaseModel):
    kind: Literal["burden", "exempt"]
    content: Long = Field(min_length=1)
    criteria: list[Tiny] = Field(default=[], max_length=200)
    pages: list[Tiny] = Field(default=[], max_length=200)
    justification: Long | None = None
    alternative: Long | None = None


class ValidateIn(BaseModel):
    allow_incomplete: bool = False


class ReturnIn(BaseModel):
    reason: Medium = Field(min_length=1)


class ImportOut(BaseModel):
    assessment_id: int
    changed: int
    unchanged: int
    pages: int
    derogations: int


class ChangeOut(BaseModel):
    item: str
    page: str
    before: str | None
    after: str | None


class ThemeChangeOut(BaseModel):
    label: str
    before: FigureOut | None
    after: FigureOut | None
    delta: float | None


class OverallChangeOut(BaseModel):
    before: FigureOut
    after: FigureOut
    delta: float | None


class CompareOut(BaseModel):
    first: AssessmentOut
    second: AssessmentOut
    overall: OverallChangeOut
    themes: dict[str, ThemeChangeOut]
    changes: list[ChangeOut]
    same_version: bool


class HistoryOut(BaseModel):
    id: int
    kind: Kind
    referential: str
    service: str | None
    assessed_on: date
    status: State
    overall: FigureOut
