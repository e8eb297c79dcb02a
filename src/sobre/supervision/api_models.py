"""The bodies of supervision's JSON API: what it reads and answers, bounded and documented for OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field, field_validator

from sobre.supervision.routes_common import PLAIN

GradeName = Literal["info", "minor", "major", "critical"]
Text = Annotated[str, Field(max_length=255, pattern=PLAIN)]
LongText = Annotated[str, Field(max_length=2000, pattern=PLAIN)]
Amount = Annotated[float, Field(ge=0, le=1e9)]
Search = Annotated[str | None, Query(max_length=100, pattern=PLAIN)]
Duration = Annotated[str, Field(max_length=20, pattern=r"^(\d+|(\d+d)?(\d+h)?(\d+m)?(\d+s)?)$")]
Zone = Annotated[str, Field(max_length=60, pattern=r"^[A-Za-z][A-Za-z0-9_+\-/]*$")]
#: Times a silence may take: a window must fit between these years.
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


class FigureOut(BaseModel):
    value: float | None
    low: float | None
    high: float | None
    unit: str
    status: str
    source: str = ""
    reason: str | None = None


class HostOut(BaseModel):
    id: int
    name: str
    state: Literal["up", "down", "unknown"]
    source: str
    instance: str | None
    last_seen: datetime | None
    host_class: str
    threads: int | None
    ram_gb: float | None
    hdd_gb: float | None
    ssd_gb: float | None
    p_idle_w: float | None
    p_max_w: float | None
    os_name: str | None
    os_version: str | None
    equipment_id: int | None
    vm_id: int | None
    equipment: str | None
    vm: str | None
    criticality: str | None
    open_alerts: int | None = None


class HostChanges(BaseModel):
    """Fields to change (those left out stay as they are; ``null`` clears one)."""

    equipment: Text | None = None
    vm: Text | None = None
    instance: Text | None = None
    host_class: Literal["server", "vm"] | None = None
    threads: Annotated[int, Field(ge=1, le=4096)] | None = None
    ram_gb: Amount | None = None
    hdd_gb: Amount | None = None
    ssd_gb: Amount | None = None
    p_idle_w: Annotated[float, Field(ge=0, le=1e5)] | None = None
    p_max_w: Annotated[float, Field(ge=0, le=1e5)] | None = None
    os_name: Text | None = None
    os_version: Annotated[str, Field(max_length=80, pattern=PLAIN)] | None = None


class HostIn(HostChanges):
    name: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\x00-\x20\x7f][^\x00-\x1f\x7f]*$")]


class SeriesOut(BaseModel):
    name: str
    unit: str
    values: list[float | None]


class PowerOut(BaseModel):
    values: list[float | None]
    low: list[float | None]
    high: list[float | None]
    unit: str = "W"
    status: str
    method: str | None
    source: str
    reason: str | None
    warnings: list[str]


class EnergyDayOut(BaseModel):
    day: str
    energy: FigureOut
    method: str
    coverage: float
    pue: float | None
    facility_kwh: float | None
    warnings: list[str]


class HostChartsOut(BaseModel):
    host: HostOut
    span: str
    starts: list[datetime]
    utilisation: list[SeriesOut]
    power: PowerOut
    energy: list[EnergyDayOut]


class LatestOut(BaseModel):
    metric: str
    labels: str
    at: datetime
    value: float


class AlertOut(BaseModel):
    id: int
    alertname: str
    source: str
    host: str | None
    labels: dict[str, Any]
    summary: str | None
    severity: str
    level: str
    criticality: str | None
    grade: str
    state: str
    started_at: datetime
    fired_at: datetime | None
    ended_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    muted_by: str | None
    last_value: float | None
    incident: str | None


class TimelineEvent(BaseModel):
    at: datetime
    kind: str
    detail: dict[str, Any]


class AlertDetailOut(AlertOut):
    timeline: list[TimelineEvent]


class CommentIn(BaseModel):
    comment: Annotated[str, Field(max_length=500, pattern=PLAIN)] | None = None


class EvaluationOut(BaseModel):
    at: datetime
    transitions: int
    firing: dict[str, int]
    muted: int
    notifications: int
    incidents: list[str]


class RuleOut(BaseModel):
    id: int
    name: str
    metric: str
    op: str
    threshold: float
    clear: float | None
    for_s: int
    keep_firing_for_s: int
    severity: str
    labels: dict[str, str]
    summary: str | None
    enabled: bool


class RuleIn(BaseModel):
    """A rule (one of the same name is replaced)."""

    name: Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z_][A-Za-z0-9_:.\-]*$")]
    metric: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_:]*$")]
    op: Literal[">", ">=", "<", "<=", "==", "!="]
    threshold: Annotated[float, Field(ge=-1e12, le=1e12)]
    for_: Duration = Field("0", alias="for")
    keep_firing_for: Duration = "0"
    clear: Annotated[float, Field(ge=-1e12, le=1e12)] | None = None
    severity: Literal["info", "warning", "critical"] = "warning"
    labels: Annotated[
        dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")], Text], Field(max_length=10)
    ] = {}
    summary: LongText | None = None

    model_config = {"populate_by_name": True}


class SilenceOut(BaseModel):
    id: int
    kind: str
    matchers: str
    starts_at: datetime
    ends_at: datetime
    weekdays: list[int]
    timezone: str
    until: datetime | None
    created_by: str | None
    comment: str | None
    expired: bool
    active: bool


class SilenceIn(BaseModel):
    matchers: Annotated[str, Field(min_length=1, max_length=500, pattern=PLAIN)]
    kind: Literal["silence", "maintenance"] = "silence"
    starts_at: datetime | None = None
    #: Either an end, or a duration from the start (``2h``).
    ends_at: datetime | None = None
    duration: Duration | None = "2h"
    weekdays: Annotated[list[Annotated[int, Field(ge=0, le=6)]], Field(max_length=7)] = []
    timezone: Zone = "UTC"
    until: datetime | None = None
    comment: Annotated[str, Field(max_length=500, pattern=PLAIN)] | None = None

    @field_validator("starts_at", "ends_at", "until")
    @classmethod
    def _within(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        if not EARLIEST <= value < LATEST:
            raise ValueError("must lie between the years 2000 and 2099")
        return value


class StepIO(BaseModel):
    after_minutes: Annotated[float, Field(ge=0, le=10080)]
    channel: Literal["email", "webhook"]
    target: Annotated[str, Field(min_length=3, max_length=500, pattern=r"^[^\x00-\x20\x7f]+$")]
    min_grade: GradeName = "minor"


class SecurityOut(BaseModel):
    id: int
    source: str
    external_id: str
    at: datetime
    host: str
    host_id: int | None
    title: str
    category: str
    level: str
    score: float | None
    criticality: str | None
    grade: str
    status: str
    action_taken: str | None
    done_by: str | None
    done_at: datetime | None
    measure_preventive: str
    measure_corrective: str


class DoneIn(BaseModel):
    action: Annotated[
        str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$")
    ]
    dismiss: bool = False


class DiskOut(BaseModel):
    id: int
    host: str
    host_id: int
    device: str
    serial: str
    model: str
    at: datetime
    risk: str
    reasons: list[str]
    temperature_c: float | None
    power_on_hours: float | None


class EnergyHostOut(BaseModel):
    host_id: int
    host: str
    energy: FigureOut
    measured_kwh: float
    facility_kwh: float
    days: int
    methods: list[str]


class OverviewOut(BaseModel):
    hosts: dict[str, int]
    firing: dict[str, int]
    muted: int
    pending: int
    unacknowledged: int
    security: dict[str, int]
    disks: int
    disks_at_risk: int
    energy_7d: FigureOut
