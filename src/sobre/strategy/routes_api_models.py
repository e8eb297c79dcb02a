"""Bodies of the strategy JSON API: what it reads and what it answers.  Every field is bounded (lengths,
ranges, codes), so that a bad request is refused as a 422 problem document before it reaches a use case."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from sobre.strategy import scenarios as kinds
from sobre.strategy import steering as plan
from sobre.web.params import Id

Position = Annotated[int, Path(ge=0, le=10_000, description="The change's position, from 0")]
Code = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=255)]
Text = Annotated[str, Field(max_length=4000)]
Amount = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
Figure = Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=1990, le=2100)]
Day = Annotated[date, Field(ge=date(1990, 1, 1), le=date(2100, 12, 31))]
Kind = Literal[tuple(kinds.KINDS)]  # type: ignore[valid-type]
Origin = Literal[plan.ORIGINS]  # type: ignore[valid-type]
Effort = Literal[plan.EFFORTS]  # type: ignore[valid-type]
Horizon = Literal[plan.HORIZONS]  # type: ignore[valid-type]
Level = Literal[plan.LEVELS]  # type: ignore[valid-type]
Status = Literal[plan.STATUSES]  # type: ignore[valid-type]
Direction = Literal[plan.DIRECTIONS]  # type: ignore[valid-type]
ParamName = Annotated[str, Field(min_length=1, max_length=40)]
ParamValue = (
    Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)] | Annotated[str, Field(max_length=255)]
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChangeIn(Strict):
    kind: Kind  # type: ignore[valid-type]
    params: dict[ParamName, ParamValue] = Field(default_factory=dict, max_length=20)


class ChangeOut(BaseModel):
    kind: str
    params: dict[str, Any]


class ScenarioIn(Strict):
    name: Name
    description: Text = ""


class ScenarioOut(BaseModel):
    id: int
    name: str
    description: str
    changes: list[ChangeOut]
    effect: dict[str, Any] | None = Field(
        description="Per criterion: the total before, and per stage (and 'total') before, after, delta, "
        "low and high; null until run"
    )
    baseline_run_id: int | None


class ObjectiveIn(Strict):
    title: Name
    criterion: Annotated[str, Field(min_length=1, max_length=80)] = "climate_change"
    reduction: Annotated[float, Field(gt=0, lt=1, description="0.3 = −30 %")]
    baseline_year: Year
    target_year: Year
    per: Literal["total", "agent"] = "total"
    baseline_value: Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False)] | None = None


class ObjectiveOut(BaseModel):
    id: int
    title: str
    criterion: str
    per: str
    reduction: float
    baseline_year: int
    target_year: int
    baseline: float | None
    target: float | None
    current: float | None
    with_plan: float | None
    reached: bool | None
    gap: float | None


class ActionFields(Strict):
    description: Text | None = None
    origin: Origin | None = None  # type: ignore[valid-type]
    origin_ref: Annotated[str, Field(max_length=255)] | None = None
    capex_eur: Amount | None = None
    opex_eur: Amount | None = None
    savings_eur: Amount | None = None
    effort: Effort | None = None  # type: ignore[valid-type]
    horizon: Horizon | None = None  # type: ignore[valid-type]
    owner_role: Annotated[str, Field(max_length=80)] | None = None
    stakeholders: Annotated[str, Field(max_length=1000)] | None = None
    commitment_level: Level | None = None  # type: ignore[valid-type]
    start_date: Day | None = None
    due_date: Day | None = None
    status: Status | None = None  # type: ignore[valid-type]
    kpis: list[Annotated[str, Field(max_length=80)]] | None = Field(default=None, max_length=50)


class ActionIn(ActionFields):
    title: Name


class ActionOut(BaseModel):
    id: int
    title: str
    description: str | None
    origin: str
    origin_ref: str | None
    capex_eur: float | None
    opex_eur: float | None
    savings_eur: float | None
    effort: str | None
    horizon: str | None
    owner_role: str | None
    stakeholders: str | None
    commitment_level: str | None
    start_date: str | None
    due_date: str | None
    status: str
    kpis: list[str] | None
    avoided: dict[str, Any] | None = Field(description="Per criterion: value, low, high, unit")
    scenario: str | None


class KpiIn(Strict):
    code: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
    name: Name
    source: Annotated[str, Field(min_length=1, max_length=80)] = "manual"
    unit: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    direction: Direction | None = None  # type: ignore[valid-type]
    definition: Text = ""
    baseline_value: Figure | None = None
    baseline_date: Day | None = None
    target_value: Figure | None = None
    target_date: Day | None = None


class MeasurementIn(Strict):
    value: Figure
    low: Figure | None = None
    high: Figure | None = None
    on: Day
    by: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        default=None, description="Default: the token's owner"
    )
    note: Annotated[str, Field(max_length=1000)] = ""


class MeasurementOut(BaseModel):
    on: str
    value: float | None
    low: float | None
    high: float | None
    status: str
    source: str
    by: str
    note: str


class KpiOut(BaseModel):
    code: str
    name: str
    definition: str
    unit: str
    direction: str
    source: str
    baseline: float | None
    baseline_date: str | None
    target: float | None
    target_date: str | None
    latest: MeasurementOut | None
    on_track: bool | None


class MeasureIn(Strict):
    on: Day | None = Field(default=None, description="Default: today")
    codes: list[Annotated[str, Field(max_length=80)]] | None = Field(default=None, max_length=100)


class Measured(BaseModel):
    code: str
    value: float | None
    unit: str | None
    low: float | None
    high: float | None
    status: str
    source: str
    reason: str | None


class Adjustment(Strict):
    action_id: Id
    status: Status | None = None  # type: ignore[valid-type]
    due_date: Day | None = None


class ReviewIn(Strict):
    title: Name
    held_on: Day
    notes: Text = ""
    decisions: list[Annotated[str, Field(max_length=1000)]] = Field(default_factory=list, max_length=100)
    adjust: list[Adjustment] = Field(default_factory=list, max_length=100)


class ReviewOut(BaseModel):
    id: int
    title: str
    held_on: str
    notes: str
    snapshot: list[dict[str, Any]]
    decisions: list[str]
    by: str
