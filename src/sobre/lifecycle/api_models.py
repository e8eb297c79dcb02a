"""Bodies of the lifecycle JSON API (``/api/v1/orgs/{org}/…``): what it reads and what it answers.

Every field is bounded (lengths, ranges, codes), so that a bad request is refused as a 422 problem document
before it reaches a use case.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sobre.inventory.taxonomy import Category
from sobre.lifecycle.events import Kind, Reason
from sobre.lifecycle.purchasing import ECOLABELS
from sobre.lifecycle.watch import KINDS, Decision

KindCode = Literal[tuple(k.value for k in Kind)]  # type: ignore[valid-type]
ReasonCode = Literal[tuple(r.value for r in Reason)]  # type: ignore[valid-type]
CategoryCode = Literal[tuple(c.value for c in Category)]  # type: ignore[valid-type]
Ecolabel = Literal[tuple(ECOLABELS)]  # type: ignore[valid-type]
DecisionCode = Literal[tuple(d.value for d in Decision)]  # type: ignore[valid-type]
WatchKind = Literal[KINDS]  # type: ignore[valid-type]
Condition = Literal["new", "refurbished", "reused"]
ParamUnit = Literal[
    "ratio", "kgCO2e/kWh", "years", "number", "categories", "date", "instrument", "flag", "inhabitants"
]
Text = Field(default=None, max_length=255)
LongText = Field(default=None, max_length=2000)
Money = Field(default=None, ge=0, le=1e9, allow_inf_nan=False)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------------- events


class EventIn(Strict):
    item: str = Field(min_length=1, max_length=255, description="Name of the inventory item")
    kind: KindCode  # type: ignore[valid-type]
    date: date
    by: str | None = Field(default=None, max_length=255, description="Default: the token's owner")
    counterpart: str | None = Text
    reason: ReasonCode | None = None  # type: ignore[valid-type]
    cost: float | None = Money
    parts: str | None = LongText
    price: float | None = Money
    certificate: str | None = Text
    weight_kg: float | None = Field(default=None, ge=0, le=1e6, allow_inf_nan=False)
    approved_body: bool | None = None
    reuse_commitment: bool | None = None
    restricted: bool = False
    erasure_method: str | None = Text
    notes: str | None = LongText


class EventOut(BaseModel):
    id: int
    item: str
    equipment_id: int | None
    category: str | None
    kind: str
    date: str
    by: str
    counterpart: str | None
    quantity: float
    batch: str | None
    batch_id: int | None
    certificate: str | None
    attachment: str | None
    details: dict[str, Any]


class ItemOut(BaseModel):
    id: int
    name: str
    category: str | None
    manufacturer: str | None = None
    model: str | None = None
    status: str | None
    purchase_date: date | None = None
    retirement_date: date | None = None
    events: list[EventOut]


class BatchOut(BaseModel):
    id: int
    name: str
    source_file: str | None
    created_at: datetime
    certificate: str | None
    events: int


class BatchDetail(BatchOut):
    items: list[EventOut]


class ImportOut(BaseModel):
    file: str
    rows: int
    inserted: int
    batch: str | None
    batch_id: int | None
    items: int
    dry_run: bool
    certificate: str | None


class ParameterIn(Strict):
    key: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.\-]+$")
    value: str = Field(min_length=1, max_length=500)
    unit: ParamUnit
    valid_from: date
    valid_to: date | None = None
    source: str = Field(min_length=1, max_length=2000)
    note: str | None = LongText


class ParameterOut(BaseModel):
    key: str
    value: str
    unit: str
    valid_from: str
    valid_to: str | None
    instrument: str = ""
    reference: str = ""
    source_url: str = ""
    note: str = ""
    origin: str = "organisation"


# ------------------------------------------------------------------------------------------ purchases


class PurchaseIn(Strict):
    purchase_date: date
    category: CategoryCode  # type: ignore[valid-type]
    quantity: float = Field(gt=0, le=1e6, allow_inf_nan=False)
    unit_price: float = Field(ge=0, le=1e8, allow_inf_nan=False)
    supplier: str | None = Field(default=None, min_length=1, max_length=255)
    reference: str | None = Text
    manufacturer: str | None = Text
    model: str | None = Text
    condition: Condition | None = Field(default=None, description="None: unknown (widens the ranges)")
    acquisition: Literal["purchase", "donation"] = "purchase"
    recycled_content_pct: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    ecolabels: list[Ecolabel] = Field(default_factory=list, max_length=20)  # type: ignore[valid-type]
    repairability_index: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    durability_index: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    warranty_years: float | None = Field(default=None, ge=0, le=30, allow_inf_nan=False)
    notes: str | None = LongText
    items: list[str] = Field(default_factory=list, max_length=1000, description="Inventory items received")


class ItemsIn(Strict):
    items: list[str] = Field(min_length=1, max_length=1000)


class LinkedItem(BaseModel):
    id: int
    name: str
    status: str | None


class PurchaseOut(BaseModel):
    id: int
    date: date
    supplier: str | None
    supplier_id: int | None
    reference: str | None
    category: str
    manufacturer: str | None
    model: str | None
    quantity: float
    unit_price: float
    amount: float
    condition: str | None
    acquisition: str
    recycled_content_pct: float | None
    ecolabels: list[str]
    repairability_index: float | None
    durability_index: float | None
    warranty_years: float | None
    notes: str | None
    linked: int
    items: list[LinkedItem] = Field(default_factory=list)


class SupplierIn(Strict):
    name: str = Field(min_length=1, max_length=255, pattern=r"\S")
    country: str | None = Field(default=None, max_length=8)
    contact: str | None = Text
    notes: str | None = LongText


class SupplierRank(BaseModel):
    id: int
    supplier: str
    rank: int | None
    score: float | None
    coverage: float | None
    assessed_on: str | None
    history: list[dict[str, Any]]
    spend: float


class AnswerIn(Strict):
    answer: str = Field(default="", max_length=20)
    evidence: str = Field(default="", max_length=500)


class AssessmentIn(Strict):
    assessed_on: date
    assessor: str | None = Text
    answers: dict[str, AnswerIn] = Field(max_length=100)


class QuestionOut(BaseModel):
    code: str
    theme: str
    theme_label: str
    question: str
    weight: float
    kind: str
    evidence: bool


# ---------------------------------------------------------------------------------------------- watch


class EntryIn(Strict):
    title: str = Field(min_length=1, max_length=500, pattern=r"\S")
    url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")
    kind: WatchKind = "technology"  # type: ignore[valid-type]
    published: date | None = None
    summary: str | None = Field(default=None, max_length=4000)
    tags: list[str] = Field(default_factory=list, max_length=30)
    relevance: int | None = Field(default=None, ge=1, le=5)
    impact: str | None = LongText
    decision: DecisionCode | None = None  # type: ignore[valid-type]
    action: str | None = LongText
    owner: str | None = Text
    due: date | None = None


class EntryUpdate(Strict):
    relevance: int | None = Field(default=None, ge=1, le=5)
    impact: str | None = LongText
    decision: DecisionCode | None = None  # type: ignore[valid-type]
    action: str | None = LongText
    owner: str | None = Text
    due: date | None = None
    tags: list[str] | None = Field(default=None, max_length=30)


class EntryOut(BaseModel):
    id: int
    title: str
    url: str | None
    published: date | None
    source: str | None
    kind: str
    tags: list[str]
    relevance: int | None
    impact: str | None
    decision: str
    action: str | None
    owner: str | None
    due: date | None
    summary: str | None


class SourceIn(Strict):
    name: str = Field(min_length=1, max_length=255, pattern=r"\S")
    url: str = Field(max_length=1000, pattern=r"^https?://\S+$")
    tags: list[str] = Field(default_factory=list, max_length=30)


class SourceOut(BaseModel):
    id: int
    name: str
    url: str
    tags: list[str]
    active: bool
    last_fetched_at: datetime | None
    last_error: str | None
    entries: int


class FetchOut(BaseModel):
    sources: int
    new: int
    failed: int
