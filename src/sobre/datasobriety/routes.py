"""Pages of data sobriety: scans (a listing uploaded and scanned), their findings grouped and sortable with
what keeping them weighs each year, and the deletion and archiving plan.

Retention policies are in :mod:`sobre.datasobriety.routes_policies`, the JSON API in
:mod:`sobre.datasobriety.routes_api`.  Every page calls the same use cases as the CLI (``service``, ``run``).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import File, Query, UploadFile
from fastapi import Form as F
from fastapi.responses import Response, StreamingResponse

from sobre.core import i18n
from sobre.core.errors import InputError, SobreError
from sobre.datasobriety import queries, rot, run, service, storage
from sobre.datasobriety.plan import default_policies
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, paginate, parse_sort
from sobre.web.permissions import ROLES
from sobre.web.registry import CapabilityRegistry

VIEW = "datasobriety.view"
SCAN = "datasobriety.scan"
POLICY = "datasobriety.policy"
#: Rows per page: small enough for an EcoIndex A page with every column shown.
SCANS_PAGE = 20
FINDINGS_PAGE = 25
GROUPS_PAGE = 10
#: Copies shown in a group's row; the group's own page lists them all.
FILES_PER_GROUP = 4
#: Largest listing accepted by upload (bigger ones go through ``sobre data scan --listing``).
MAX_UPLOAD = 512 * 1024 * 1024
_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")
#: Finding kinds in the order of the scan's totals and the findings tabs.
KINDS = rot.KINDS


def size_text(n: float | None, lang: str) -> str:
    """Bytes in decimal units, in the language (1,5 Go; 1.5 GB); unknown stays unknown."""
    if n is None:
        return i18n.t("datasobriety.unknown", lang)
    value, unit = float(n), 0
    while abs(value) >= 1000 and unit < len(_UNITS) - 1:
        value /= 1000
        unit += 1
    number = i18n.format_number(value, lang, 0 if unit == 0 else 1)
    return f"{number}\u00a0{i18n.t(f'datasobriety.unit.{_UNITS[unit]}', lang)}"


def duration_text(duration: str, lang: str) -> str:
    """``3y`` → "3 years" / "3 ans" (the policies' and thresholds' durations)."""
    text = duration.strip().lower()
    if len(text) < 2 or not text[:-1].isdigit() or text[-1] not in "ymwd":
        return duration
    n = int(text[:-1])
    return i18n.t(f"datasobriety.duration.{text[-1]}{'1' if n == 1 else ''}", lang, n=n)


def render(ctx: RequestContext, template: str, status: int = 200, **values: Any) -> Response:
    """A page with this capability's helpers: ``size(bytes)``, ``duration(text)``, ``age(days)``,
    ``when_day(epoch)`` and the finding ``kinds``."""
    return ctx.render(
        template,
        status,
        size=lambda n: size_text(n, ctx.lang),
        duration=lambda d: duration_text(d, ctx.lang),
        age=lambda days: age_text(days, ctx.lang),
        when_day=lambda ts: datetime.fromtimestamp(ts, UTC).date().isoformat() if ts is not None else "—",
        kinds=KINDS,
        **values,
    )


def age_text(days: float | None, lang: str) -> str:
    """An age in days, in years beyond one year (4,2 ans; 45 days)."""
    if days is None:
        return i18n.t("datasobriety.unknown", lang)
    if abs(days) >= 365:
        return i18n.t("datasobriety.age.years", lang, n=i18n.format_number(days / 365.25, lang, 1))
    return i18n.t("datasobriety.age.days", lang, n=i18n.format_number(days, lang, 0))


def criterion_label(criterion: dict[str, Any], lang: str) -> str:
    label = criterion.get("label_fr") if lang == "fr" else criterion.get("label_en")
    return str(label or criterion["code"])


# ------------------------------------------------------------------ forms


def storage_from(form: Form, ctx: RequestContext) -> storage.StorageParams | None:
    """The storage the scanned data sits on, from the form (given fields are ``input``, others defaults)."""
    media = str(form.value("media") or "") or None
    if media is not None and media not in storage.MEDIA:
        form.error("media", ctx.t("web.form.choose"))
    replicas = form.number("replicas", ctx.t, low=1, high=100)
    backups = form.number("backups", ctx.t, low=0, high=100)
    pue = form.number("pue", ctx.t, low=1, high=5)
    country = str(form.value("country") or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        form.error("country", ctx.t("datasobriety.form.country"))
    if not form.ok:
        return None
    return storage.StorageParams.described(media, replicas, backups, country or None, pue)


def check_duration(form: Form, ctx: RequestContext, name: str) -> str:
    """A duration field (3y, 18m, 6w, 90d), checked the way the scan and the policies read it."""
    value = str(form.value(name) or "").strip().lower()
    try:
        rot.cutoff(datetime(2000, 1, 1, tzinfo=UTC), value)
    except InputError:
        form.error(name, ctx.t("datasobriety.form.duration"))
    return value


def check_day(form: Form, ctx: RequestContext, name: str) -> datetime | None:
    """A date field (YYYY-MM-DD) as midnight UTC; empty is today."""
    value = str(form.value(name) or "").strip()
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    except ValueError:
        form.error(name, ctx.t("datasobriety.form.date"))
        return None


def patterns_from(text: str) -> tuple[str, ...]:
    """Extra debris patterns typed one a line or separated by ``;``."""
    parts = [p.strip() for line in text.splitlines() for p in line.split(";")]
    return tuple(p for p in parts if p)


def upload_form_defaults() -> Form:
    return Form({"obsolete_after": rot.DEFAULT_OBSOLETE_AFTER})


# ------------------------------------------------------------------ CSV


def csv_stream(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """CSV text in chunks (a listing's findings can be millions of rows)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def download(body: Iterable[str] | str, media: str, filename: str) -> Response:
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    if isinstance(body, str):
        return Response(body, media_type=media, headers=headers)
    return StreamingResponse(iter(body), media_type=media, headers=headers)


FINDING_COLUMNS = ["kind", "group", "path", "size", "mtime", "age_days", "owner", "reason", "hard_links"]


def _export_rows(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield {**row, "hard_links": "; ".join(row["hard_links"])}


# ------------------------------------------------------------------ pages


def register(registry: CapabilityRegistry) -> None:
    from sobre.datasobriety import routes_api, routes_policies

    registry.permission(VIEW, ROLES, "datasobriety.perm.view")
    registry.permission(SCAN, ("admin", "manager", "technician"), "datasobriety.perm.scan")
    registry.permission(POLICY, ("admin", "manager"), "datasobriety.perm.policy")
    registry.menu("datasobriety.menu.scans", "datasobriety.scans", permission=VIEW, order=60)
    registry.menu("datasobriety.menu.policies", "datasobriety.policies", permission=VIEW, order=61)
    page = registry.page

    def scans_page(
        ctx: Ctx, form: Form | None = None, status: int = 200, sort_key: str = "", number: int = 1
    ) -> Response:
        assert ctx.org is not None
        sort = parse_sort(sort_key, list(queries.SCAN_SORTS), "-date")
        request = PageRequest(max(1, min(number, 1_000_000)), SCANS_PAGE)
        with ctx.session() as s:
            result = paginate(s, queries.scans_query(s, ctx.org.name, sort.param), request)
            rows = [queries.scan_row(r) for r in result.items]
        return render(
            ctx,
            "datasobriety/scans.html",
            status,
            result=result,
            rows=rows,
            sort=sort,
            params={"sort": sort.param},
            form=form or upload_form_defaults(),
            media=storage.MEDIA,
            max_upload=size_text(MAX_UPLOAD, ctx.lang),
            suffixes=", ".join(run.UPLOAD_SUFFIXES),
        )

    @page("/data", permission=VIEW)
    def scans(ctx: Ctx, sort: str = "", page: int = 1) -> Response:
        return scans_page(ctx, sort_key=sort, number=page)

    @page("/data", permission=SCAN, methods=("POST",))
    def scan_upload(
        ctx: Ctx,
        file: Annotated[UploadFile | None, File()] = None,
        as_of: Annotated[str, F()] = "",
        obsolete_after: Annotated[str, F()] = rot.DEFAULT_OBSOLETE_AFTER,
        trivial: Annotated[str, F()] = "",
        media: Annotated[str, F()] = "",
        replicas: Annotated[str, F()] = "",
        backups: Annotated[str, F()] = "",
        country: Annotated[str, F()] = "",
        pue: Annotated[str, F()] = "",
    ) -> Response:
        assert ctx.org is not None
        form = Form(
            {
                "as_of": as_of,
                "obsolete_after": obsolete_after,
                "trivial": trivial,
                "media": media,
                "replicas": replicas,
                "backups": backups,
                "country": country,
                "pue": pue,
            }
        )
        if file is None or not file.filename:
            form.error("file", ctx.t("datasobriety.form.file"))
        elif (file.size or 0) > MAX_UPLOAD:
            form.error("file", ctx.t("datasobriety.form.too_big", size=size_text(MAX_UPLOAD, ctx.lang)))
        reference = check_day(form, ctx, "as_of")
        threshold = check_duration(form, ctx, "obsolete_after")
        params = storage_from(form, ctx)
        if form.ok and file is not None and params is not None:
            request = run.ScanRequest(
                path=Path(file.filename or "listing.csv"),
                as_of=reference or rot.parse_as_of(None),
                obsolete_after=threshold,
                patterns=rot.DEFAULT_TRIVIAL_PATTERNS + patterns_from(trivial),
                storage=params,
            )
            try:
                result = run.scan_upload(ctx.database_url, ctx.org.name, file.filename, file.file, request)
            except InputError as exc:
                form.error("file", str(exc))
            else:
                return ctx.redirect(
                    ctx.url("datasobriety.scan", scan_id=result.scan_id), notice="datasobriety.notice.scanned"
                )
        return scans_page(ctx, form, 422)

    @page("/data/scans/{scan_id:int}", permission=VIEW)
    def scan(ctx: Ctx, scan_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            view = queries.get_scan(s, ctx.org.name, scan_id)
        code = _climate(view)
        return render(
            ctx,
            "datasobriety/scan.html",
            scan=view,
            labels={c["code"]: criterion_label(c, ctx.lang) for c in view["criteria"]},
            climate=code,
            chart=savings_chart(view, code, ctx.lang),
            sources=_sources(view, code),
            skipped=[skipped_row(name, n, ctx.lang) for name, n in view["skipped"].items()],
        )

    @page("/data/scans/{scan_id:int}/findings", permission=VIEW)
    def findings(
        ctx: Ctx,
        scan_id: int,
        kind: str = "duplicates",
        sort: str = "",
        page: int = 1,
        group: int | None = None,
        folder: Annotated[str, Query(max_length=1000)] = "",
        owner: Annotated[str, Query(max_length=255)] = "",
    ) -> Response:
        assert ctx.org is not None
        if kind not in service.STORED_KIND:
            raise InputError("unknown finding kind", column="kind", value=kind, expected=", ".join(KINDS))
        grouped = kind == "duplicates" and group is None
        allowed = list(queries.GROUP_SORTS if grouped else queries.FINDING_SORTS)
        chosen = parse_sort(sort, allowed, "-reclaimable" if grouped else "-size")
        request = PageRequest(max(1, min(page, 1_000_000)), GROUPS_PAGE if grouped else FINDINGS_PAGE)
        rows: list[Any]
        with ctx.session() as s:
            view = queries.get_scan(s, ctx.org.name, scan_id)
            as_of = datetime.fromisoformat(view["as_of"])
            files: dict[int, list[dict[str, Any]]] = {}
            if grouped:
                stmt = queries.groups_query(s, ctx.org.name, scan_id, sort=chosen.param, folder=folder)
                result = paginate(s, stmt, request, scalars=False)
                found = queries.group_files(s, scan_id, [r.group for r in result.items], FILES_PER_GROUP)
                files = {g: [queries.finding_row(f, as_of) for f in fs] for g, fs in found.items()}
                rows = list(result.items)
            else:
                stmt = queries.findings_query(
                    s, ctx.org.name, scan_id, kind, sort=chosen.param, group=group, folder=folder, owner=owner
                )
                result = paginate(s, stmt, request)
                rows = [queries.finding_row(f, as_of) for f in result.items]
        params = {"kind": kind, "sort": chosen.param, "group": group, "folder": folder, "owner": owner}
        return render(
            ctx,
            "datasobriety/findings.html",
            scan=view,
            kind=kind,
            group=group,
            grouped=grouped,
            result=result,
            rows=rows,
            files=files,
            sort=chosen,
            params=params,
            saving=view["savings"].get(kind, {}),
            climate=_climate(view),
            per_group=FILES_PER_GROUP,
            filters=Form({"folder": folder, "owner": owner}),
        )

    @page("/data/scans/{scan_id:int}/findings.csv", permission=VIEW)
    def findings_export(
        ctx: Ctx,
        scan_id: int,
        kind: str | None = None,
        folder: Annotated[str, Query(max_length=1000)] = "",
        owner: Annotated[str, Query(max_length=255)] = "",
    ) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            queries.get_scan(s, ctx.org.name, scan_id)  # 404 before the download starts
            if kind is not None and kind not in service.STORED_KIND:
                raise InputError("unknown finding kind", column="kind", value=kind, expected=", ".join(KINDS))

        org = ctx.org.name

        def rows() -> Iterator[str]:
            with ctx.session() as s:
                yield from csv_stream(
                    FINDING_COLUMNS,
                    _export_rows(queries.iter_findings(s, org, scan_id, kind, folder=folder, owner=owner)),
                )

        return download(rows(), "text/csv; charset=utf-8", f"sobre-scan{scan_id}-{kind or 'findings'}.csv")

    def plan_of(ctx: Ctx, scan_id: int) -> service.PlanView:
        assert ctx.org is not None
        with ctx.session() as s:
            return service.plan(s, ctx.org.name, scan_id)

    @page("/data/scans/{scan_id:int}/plan", permission=VIEW)
    def plan(ctx: Ctx, scan_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            view = queries.get_scan(s, ctx.org.name, scan_id)
        try:
            planned: service.PlanView | None = plan_of(ctx, scan_id)
            refused = None
        except SobreError as exc:  # a Spark scan that kept its totals only
            planned, refused = None, str(exc)
        code = _climate(view)
        items = planned.items if planned else []
        return render(
            ctx,
            "datasobriety/plan.html",
            scan=view,
            plan=planned,
            refused=refused,
            total=planned.total(code) if planned else None,
            files_total=sum(len(i.files) for i in items),
            bytes_total=sum(i.bytes for i in items),
            climate=code,
            chart=chart_of(
                [plan_item_label(i, ctx.lang) for i in items],
                [i.footprint.get(code) for i in items],
                ctx.lang,
            ),
            item_label=lambda i: plan_item_label(i, ctx.lang),
            item_note=lambda i: plan_item_note(i, ctx.lang),
            owner=lambda role: ctx.t(f"datasobriety.owner.{OWNER_KEYS.get(role, 'data_owner')}"),
        )

    @page("/data/scans/{scan_id:int}/plan.json", permission=VIEW)
    def plan_json(ctx: Ctx, scan_id: int) -> Response:
        data = plan_of(ctx, scan_id).to_dict()
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
        return download(text, "application/json", f"sobre-scan{scan_id}-plan.json")

    @page("/data/scans/{scan_id:int}/plan.csv", permission=VIEW)
    def plan_csv(ctx: Ctx, scan_id: int) -> Response:
        items = plan_of(ctx, scan_id).items

        def rows() -> Iterator[dict[str, Any]]:
            for item in items:
                for f in item.files:
                    yield {
                        "item": item.kind,
                        "action": item.action,
                        "path": f.path,
                        "size": f.size,
                        "mtime": datetime.fromtimestamp(f.mtime, UTC).isoformat(),
                        "owner": f.owner,
                    }

        columns = ["item", "action", "path", "size", "mtime", "owner"]
        return download(
            csv_stream(columns, rows()), "text/csv; charset=utf-8", f"sobre-scan{scan_id}-plan.csv"
        )

    routes_policies.register(registry)
    routes_api.register(registry)


def savings_chart(view: dict[str, Any], code: str, lang: str) -> dict[str, Any]:
    """Bars of the yearly footprint of each finding kind for one criterion (unknown stays a gap)."""
    estimates = [view["savings"].get(k, {}).get("footprint", {}).get(code) for k in KINDS]
    return chart_of([i18n.t(f"datasobriety.kind.{k}", lang) for k in KINDS], estimates, lang)


def chart_of(labels: list[str], estimates: list[Any], lang: str) -> dict[str, Any]:
    """A bar chart's data from yearly Estimates, in g or mg when kilograms would all round to 0."""
    unit = next((e.unit for e in estimates if e is not None), "")
    top = max((e.high or 0 for e in estimates if e is not None and e.value is not None), default=0)
    scale = 1.0
    while unit.startswith("kg") and 0 < top * scale < 1 and scale < 1e6:
        scale *= 1000
    if scale > 1:
        unit = ("g" if scale == 1000 else "mg") + unit[2:]

    def scaled(attr: str) -> list[float | None]:
        values = [None if e is None else getattr(e, attr) for e in estimates]
        return [None if v is None else v * scale for v in values]

    high = top * scale
    digits = 0 if high <= 0 or not math.isfinite(high) else max(0, min(8, 2 - math.floor(math.log10(high))))
    return {
        "labels": labels,
        "data": scaled("value"),
        "lows": scaled("low"),
        "highs": scaled("high"),
        "unit": i18n.t("datasobriety.per_year_unit", lang, unit=unit),
        "digits": digits,
    }


#: The plan's owner roles (``plan.PlanItem.owner_role``, English) → message keys.
OWNER_KEYS = {"data owner": "data_owner", "DPO and data owner": "dpo", "IT and department head": "it_head"}


def plan_item_label(item: Any, lang: str) -> str:
    """``retention:payroll`` → "Past retention: payroll"; other kinds by their name."""
    kind, _, category = item.kind.partition(":")
    if category:
        return i18n.t("datasobriety.plan.item.retention", lang, category=category)
    return i18n.t(f"datasobriety.plan.item.{kind}", lang)


def plan_item_note(item: Any, lang: str) -> str:
    """Why the item is in the plan, in the page's language (a policy's legal basis as the user wrote it)."""
    kind, _, category = item.kind.partition(":")
    if category:
        action = i18n.t(f"datasobriety.action.{item.action}", lang).lower()
        text = i18n.t("datasobriety.plan.retention", lang, category=category, action=action)
        default = {p.category: p.legal_basis for p in default_policies()}.get(category)
        key = f"datasobriety.legal.{category}"
        basis = i18n.t(key, lang) if item.note and item.note == default and i18n.has(key) else item.note
        return f"{text} {basis}".strip()
    key = f"datasobriety.plan.{kind}"
    return i18n.t(key, lang) if i18n.has(key) else ""


def skipped_row(name: str, n: int, lang: str) -> tuple[str, str]:
    """What a scan left out (symbolic links, other file systems, older object versions…), as shown."""
    key = f"datasobriety.skipped.{name}"
    label = i18n.t(key, lang) if i18n.has(key) else name
    return label, size_text(n, lang) if name.endswith("_bytes") else i18n.format_number(n, lang)


def _sources(view: dict[str, Any], code: str) -> str:
    """Where the yearly footprint's factors come from (the electricity and storage rows)."""
    for k in KINDS:
        e = view["savings"].get(k, {}).get("footprint", {}).get(code)
        if e is not None and e.source:
            return str(e.source)
    return ""


def _climate(view: dict[str, Any]) -> str:
    """The criterion the pages lead with: climate change when the factor set has it."""
    codes = [c["code"] for c in view["criteria"]]
    return "climate_change" if "climate_change" in codes or not codes else codes[0]
