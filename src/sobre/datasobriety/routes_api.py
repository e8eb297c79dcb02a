"""The JSON API of data sobriety (``/api/v1/orgs/{org}/datasobriety/…``): the pages' use cases for scripts."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import File, Form, Query, Request, Response, UploadFile
from fastapi import Path as P
from pydantic import BaseModel, ConfigDict, Field

from sobre.core.errors import InputError
from sobre.datasobriety import queries, rot, run, service, storage
from sobre.datasobriety.plan import Policy, default_policies
from sobre.datasobriety.routes import MAX_UPLOAD, POLICY, SCAN, VIEW, patterns_from
from sobre.web.api import Page, Paging, list_page, page_of
from sobre.web.context import Ctx
from sobre.web.paging import paginate
from sobre.web.params import Id
from sobre.web.registry import CapabilityRegistry

Kind = Literal["duplicates", "obsolete", "trivial", "empty", "orphans", "retention"]
Action = Literal["delete", "archive", "anonymise", "review"]
#: A duration as the scan and the policies read it: 3y, 18m, 6w, 90d (at most 999 units).
DURATION = r"^[0-9]{1,3}[ymwdYMWD]$"
ScanId = Annotated[Id, P(description="Scan id")]
ScanSort = Literal["date", "-date", "root", "-root", "files", "-files", "bytes", "-bytes"]
FindingSort = Literal["size", "-size", "modified", "-modified", "path", "-path", "owner", "-owner"]
GroupSort = Literal[
    "reclaimable",
    "-reclaimable",
    "size",
    "-size",
    "copies",
    "-copies",
    "path",
    "-path",
    "modified",
    "-modified",
]
Category = Annotated[str, P(min_length=1, max_length=80, description="Data category")]


class Model(BaseModel):
    # Estimates and plan items are dataclasses: read by attribute.
    model_config = ConfigDict(allow_inf_nan=False, from_attributes=True)


class EstimateOut(Model):
    """A figure with its range; ``value`` null means unknown (``reason`` says why), never zero."""

    value: float | None
    unit: str
    low: float | None = None
    high: float | None = None
    status: str
    source: str = ""
    warnings: list[str] = []
    reason: str = ""


class KindTotal(Model):
    count: int | None
    bytes: int | None
    #: criterion → the yearly footprint of keeping these bytes.
    footprint: dict[str, EstimateOut] = {}


class StorageOut(Model):
    media: str
    replicas: float
    backups: float
    country: str
    pue: float | None
    #: The parameters the user gave (the others are Sobre's defaults).
    given: list[str]


class ScanOut(Model):
    id: int
    root: str
    source: str
    as_of: datetime
    obsolete_after: str
    files: int
    bytes: int
    totals: dict[str, KindTotal]
    storage: StorageOut
    rows_stored: bool
    created_at: datetime


class CriterionOut(Model):
    code: str
    label_en: str | None = None
    label_fr: str | None = None
    unit: str


class ScanDetail(ScanOut):
    skipped: dict[str, int]
    unreadable: list[dict[str, str]]
    unreadable_count: int
    unverified: list[dict[str, str]]
    unverified_count: int
    #: Per finding kind: files, bytes and the yearly footprint of keeping them, per criterion.
    savings: dict[str, KindTotal]
    criteria: list[CriterionOut]
    factor_set: str


class FindingOut(Model):
    id: int
    kind: str
    path: str
    size: int
    mtime: datetime
    age_days: float
    owner: str | None
    group: int | None
    reason: str | None
    hard_links: list[str]


class GroupOut(Model):
    group: int
    size: int
    copies: int
    reclaimable: int
    files: list[FindingOut]


class PlanItemOut(Model):
    kind: str
    action: str
    files: int
    bytes: int
    note: str
    owner_role: str
    effort: str
    footprint: dict[str, EstimateOut]
    #: The shape the strategy capability turns into an action and a scenario change.
    as_action: dict[str, Any]


class PlanOut(Model):
    scan_id: int
    bytes: int
    items: list[PlanItemOut]
    total_climate_change: EstimateOut | None


class PolicyIn(Model):
    description: str = Field("", max_length=2000)
    retention: str = Field(pattern=DURATION, examples=["2y"])
    action: Action = "delete"
    patterns: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=100)
    legal_basis: str = Field("", max_length=2000)
    source: str = Field("", max_length=2000)


class PolicyOut(Model):
    category: str
    description: str
    retention: str
    action: str
    patterns: list[str]
    legal_basis: str
    source: str


class DefaultsIn(Model):
    #: Categories of Sobre's catalogue to install; null installs them all.
    categories: list[Annotated[str, Field(max_length=80)]] | None = Field(None, max_length=50)


def _policy_out(p: Policy) -> dict[str, Any]:
    return {**asdict(p), "patterns": list(p.patterns)}


def register(registry: CapabilityRegistry) -> None:
    api = registry.api

    @api("/datasobriety/scans", permission=VIEW, response_model=Page[ScanOut])
    def api_scans(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        sort: ScanSort = "-date",
    ) -> dict[str, Any]:
        """The organisation's recorded scans (tree scans from the CLI, uploaded and Spark listings)."""
        assert ctx.org is not None
        name = ctx.org.name
        return list_page(
            ctx,
            request,
            paging,
            lambda s: queries.scans_query(s, name, sort),
            lambda _s, rows: [queries.scan_row(r) for r in rows],
        )

    @api(
        "/datasobriety/scans", permission=SCAN, methods=("POST",), response_model=ScanDetail, status_code=201
    )
    def api_scan_upload(
        ctx: Ctx,
        file: Annotated[UploadFile, File(description="A listing: CSV, Parquet or JSON lines")],
        as_of: Annotated[date | None, Form()] = None,
        obsolete_after: Annotated[str, Form(pattern=DURATION)] = rot.DEFAULT_OBSOLETE_AFTER,
        trivial: Annotated[
            str, Form(max_length=2000, description="Extra debris patterns, ';'-separated")
        ] = "",
        media: Annotated[Literal["hdd", "ssd"] | None, Form()] = None,
        replicas: Annotated[float | None, Form(ge=1, le=100, allow_inf_nan=False)] = None,
        backups: Annotated[float | None, Form(ge=0, le=100, allow_inf_nan=False)] = None,
        country: Annotated[str | None, Form(pattern=r"^[A-Za-z]{2}$")] = None,
        pue: Annotated[float | None, Form(ge=1, le=5, allow_inf_nan=False)] = None,
    ) -> dict[str, Any]:
        """Scan a listing file for ROT data and record it (atomic: the whole scan or nothing)."""
        assert ctx.org is not None
        if (file.size or 0) > MAX_UPLOAD:
            raise InputError(
                "listing too large for an upload; use 'sobre data scan --listing'", column="file"
            )
        params = storage.StorageParams.described(media, replicas, backups, country, pue)
        reference = datetime.combine(as_of, datetime.min.time(), UTC) if as_of else rot.parse_as_of(None)
        request = run.ScanRequest(
            path=Path("upload"),
            as_of=reference,
            obsolete_after=obsolete_after.lower(),
            patterns=rot.DEFAULT_TRIVIAL_PATTERNS + patterns_from(trivial),
            storage=params,
        )
        result = run.scan_upload(ctx.database_url, ctx.org.name, file.filename, file.file, request)
        assert result.scan_id is not None
        with ctx.session() as s:
            return queries.get_scan(s, ctx.org.name, result.scan_id)

    @api("/datasobriety/scans/{scan_id}", permission=VIEW, response_model=ScanDetail)
    def api_scan(ctx: Ctx, scan_id: ScanId) -> dict[str, Any]:
        """One scan: totals, storage, unreadable and skipped entries, and the yearly footprint per kind."""
        assert ctx.org is not None
        with ctx.session() as s:
            return queries.get_scan(s, ctx.org.name, scan_id)

    @api("/datasobriety/scans/{scan_id}/findings", permission=VIEW, response_model=Page[FindingOut])
    def api_findings(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        scan_id: ScanId,
        kind: Kind = "duplicates",
        sort: FindingSort = "-size",
        group: Id | None = None,
        folder: Annotated[str | None, Query(max_length=1000, description="Only below this folder")] = None,
        owner: Annotated[str | None, Query(max_length=255)] = None,
    ) -> dict[str, Any]:
        """Findings of one kind, sorted (``-`` first: descending); ``group`` keeps one duplicate group."""
        assert ctx.org is not None
        with ctx.session() as s:
            view = queries.get_scan(s, ctx.org.name, scan_id)
            as_of = datetime.fromisoformat(view["as_of"])
            stmt = queries.findings_query(
                s, ctx.org.name, scan_id, kind, sort=sort, group=group, folder=folder, owner=owner
            )
            result = paginate(s, stmt, paging)
            items = [queries.finding_row(f, as_of) for f in result.items]
        return page_of(request, result, items)

    @api("/datasobriety/scans/{scan_id}/duplicate-groups", permission=VIEW, response_model=Page[GroupOut])
    def api_groups(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        scan_id: ScanId,
        sort: GroupSort = "-reclaimable",
        folder: Annotated[
            str | None, Query(max_length=1000, description="Groups with a copy below it")
        ] = None,
    ) -> dict[str, Any]:
        """Duplicate groups with their copies (the largest reclaimable space first by default)."""
        assert ctx.org is not None
        with ctx.session() as s:
            view = queries.get_scan(s, ctx.org.name, scan_id)
            as_of = datetime.fromisoformat(view["as_of"])
            result = paginate(
                s,
                queries.groups_query(s, ctx.org.name, scan_id, sort=sort, folder=folder),
                paging,
                scalars=False,
            )
            found = queries.group_files(s, scan_id, [r.group for r in result.items])
            items = [
                {
                    "group": r.group,
                    "size": r.size,
                    "copies": r.copies,
                    "reclaimable": r.reclaimable,
                    "files": [queries.finding_row(f, as_of) for f in found[r.group]],
                }
                for r in result.items
            ]
        return page_of(request, result, items)

    @api("/datasobriety/scans/{scan_id}/plan", permission=VIEW, response_model=PlanOut)
    def api_plan(ctx: Ctx, scan_id: ScanId) -> dict[str, Any]:
        """The deletion and archiving plan under the retention policies (its files: the plan.csv page)."""
        assert ctx.org is not None
        with ctx.session() as s:
            view = service.plan(s, ctx.org.name, scan_id)
        total = view.total()
        return {
            "scan_id": scan_id,
            "bytes": sum(i.bytes for i in view.items),
            "items": [{**view.summary(i), "as_action": i.as_action(scan_id)} for i in view.items],
            "total_climate_change": asdict(total) if total else None,
        }

    @api("/datasobriety/policies", permission=VIEW, response_model=list[PolicyOut])
    def api_policies(ctx: Ctx) -> list[dict[str, Any]]:
        """The organisation's retention policies."""
        assert ctx.org is not None
        with ctx.session() as s:
            return [_policy_out(p) for p in service.list_policies(s, ctx.org.name)]

    @api("/datasobriety/policies/catalogue", permission=VIEW, response_model=list[PolicyOut])
    def api_catalogue(ctx: Ctx) -> list[dict[str, Any]]:
        """Sobre's catalogue of retention periods (French law, CNIL guidance), each with its source."""
        return [_policy_out(p) for p in default_policies()]

    @api("/datasobriety/policies/{category}", permission=POLICY, methods=("PUT",), response_model=PolicyOut)
    def api_policy_set(ctx: Ctx, category: Category, body: PolicyIn) -> dict[str, Any]:
        """Add or replace the policy of a data category."""
        assert ctx.org is not None
        if not category.strip():
            raise InputError("a policy needs a category", column="category", value=category)
        policy = Policy(
            category=category.strip(),
            retention=body.retention.lower(),
            action=body.action,
            patterns=tuple(p.strip() for p in body.patterns if p.strip()),
            description=body.description,
            legal_basis=body.legal_basis,
            source=body.source,
        )
        with ctx.write_session() as s:
            return _policy_out(service.set_policy(s, ctx.org.name, policy))

    @api("/datasobriety/policies/{category}", permission=POLICY, methods=("DELETE",), status_code=204)
    def api_policy_remove(ctx: Ctx, category: Category) -> Response:
        assert ctx.org is not None
        with ctx.write_session() as s:
            service.remove_policy(s, ctx.org.name, category)
        return Response(status_code=204)

    @api(
        "/datasobriety/policies/catalogue",
        permission=POLICY,
        methods=("POST",),
        name="datasobriety.api_install_defaults",
        response_model=list[PolicyOut],
    )
    def api_defaults(ctx: Ctx, body: DefaultsIn) -> list[dict[str, Any]]:
        """Install categories of the catalogue (all when ``categories`` is null) as the organisation's."""
        assert ctx.org is not None
        known = {p.category for p in default_policies()}
        for category in body.categories or []:
            if category not in known:
                raise InputError("not a category of the catalogue", column="categories", value=category)
        with ctx.write_session() as s:
            done = service.install_default_policies(s, ctx.org.name, body.categories or None)
            return [_policy_out(p) for p in done]
