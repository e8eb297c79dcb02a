"""Use cases behind ``sobre report agec|csrd``: gather, compute, build the document (pages reuse these).

- :func:`agec_document`: AGEC art. 58 shares of IT and telephony spend, REEN art. 16 reuse rate of reformed
  equipment, each with its target, rule and explain trail;
- :func:`csrd_document`: ESRS E1-5 and E1-6 tables of the IT perimeter keyed by EFRAG datapoint ids, and the
  BEGES lines, from one footprint run (read through the footprint's public functions), with the check that
  they sum to the run's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sobre.core.errors import InputError
from sobre.core.estimate import Estimate, Status
from sobre.core.i18n import t
from sobre.lifecycle import agec, csrd, reuse
from sobre.lifecycle.docparts import estimate_cell, figure_rules, figures_table, say, sources, trail_table
from sobre.lifecycle.document import Block, Cell, DocTable, Document
from sobre.lifecycle.gather import LifecycleData, gather
from sobre.lifecycle.parameters import TABLE_VERSION


def check_year(year: int) -> int:
    if not 2000 <= year <= date.today().year + 1:
        raise InputError("not a reporting year", column="--year", value=year)
    return year


@dataclass
class Rates:
    agec: agec.AgecResult
    reen16: reuse.ReuseResult


def rates(data: LifecycleData, year: int) -> Rates:
    return Rates(agec.compute(data.purchases, year, data.table), reuse.compute(data.events, year, data.table))


def rate_blocks(r: Rates, lang: str, *, trails: bool = True) -> list[Block]:
    """The AGEC and REEN art. 16 blocks (used by the AGEC document and the REEN strategy's yearly review)."""
    blocks = []
    agec_tables = [
        figures_table(
            f"agec-{i + 1}",
            t("lc.agec.span_caption", lang, n=i + 1, rule=s.regime.instrument if s.regime else "—"),
            s.figures,
            lang,
        )
        for i, s in enumerate(r.agec.spans)
        if s.figures
    ]
    agec_tables.append(
        figures_table(
            "agec-year",
            t("lc.agec.year_caption", lang, year=r.agec.year),
            r.agec.annual,
            lang,
            note=t("lc.agec.year_note", lang),
        )
    )
    if trails:
        year_reuse = next((f for f in r.agec.annual if f.key == "agec.year.reuse_share"), None)
        if year_reuse is not None:
            agec_tables.append(trail_table("agec-trail", year_reuse, lang))
    blocks.append(Block("agec", t("lc.agec.title", lang), [t("lc.agec.intro", lang)], tables=agec_tables))
    reen_tables = [
        figures_table(
            "reen16",
            t("lc.reen16.caption", lang, year=r.reen16.year),
            [r.reen16.rate, r.reen16.disposals_to_reuse],
            lang,
            note=t("lc.reen16.note", lang),
        )
    ]
    if trails:
        reen_tables.append(trail_table("reen16-trail", r.reen16.rate, lang))
    blocks.append(
        Block("reen16", t("lc.reen16.title", lang), [t("lc.reen16.intro", lang)], tables=reen_tables)
    )
    return blocks


def rates_data(r: Rates) -> dict[str, Any]:
    return {
        "table_version": TABLE_VERSION,
        "agec": {
            "year": r.agec.year,
            "spans": [
                {
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat(),
                    "regime": s.regime.to_dict() if s.regime else None,
                    "figures": [f.to_dict() for f in s.figures],
                }
                for s in r.agec.spans
            ],
            "annual": [f.to_dict() for f in r.agec.annual],
        },
        "reen16": {
            "year": r.reen16.year,
            "rate": r.reen16.rate.to_dict(),
            "disposals_to_reuse": r.reen16.disposals_to_reuse.to_dict(),
        },
    }


def agec_document(database_url: str, org: str, year: int, lang: str) -> Document:
    """AGEC art. 58 and REEN art. 16 figures of ``year`` with their targets, rules and trails."""
    data = gather(database_url, org)
    r = rates(data, check_year(year))
    figures = r.agec.all_figures() + [r.reen16.rate, r.reen16.disposals_to_reuse]
    return Document(
        "agec",
        lang,
        t("lc.agec.doc_title", lang),
        data.organisation,
        str(year),
        rate_blocks(r, lang),
        sources=sources(figure_rules(figures)) + [t("lc.doc.table_version", lang, version=TABLE_VERSION)],
        data={"organisation": data.organisation, **rates_data(r)},
    )


# ------------------------------------------------------------------------------------------------- CSRD


def csrd_figures(
    database_url: str, org: str, run_id: int | None = None
) -> tuple[csrd.CsrdResult, dict[str, Any]]:
    """The CSRD and BEGES lines of a footprint run (default: the latest) and the run's identity."""
    from sobre.footprint.runs import service as runs
    from sobre.footprint.runs.queries import default_criterion

    if run_id is None:
        latest = runs.latest_run(database_url, org)
        if latest is None:
            raise InputError(
                f"organisation {org!r} has no footprint run yet",
                expected="run 'sobre footprint run --org NAME' first",
            )
        run_id = latest.id
    meta, result = runs.load_run(database_url, run_id)
    data = gather(database_url, org)
    if meta.org_id != data.org_id:
        raise InputError(
            f"footprint run {run_id} belongs to another organisation", column="--run", value=run_id
        )
    criterion = default_criterion(meta.criteria)
    total = meta.totals.get(criterion, {})
    run_total = (
        Estimate(total["value"], "kgCO2e", total.get("low"), total.get("high"), Status.MODELLED)
        if total.get("value") is not None
        else Estimate.unknown("kgCO2e", "the run has no known total")
    )
    out = csrd.compute(result.items, result.impacts, criterion, data.table, meta.reference_date, run_total)
    run = {
        "id": meta.id,
        "reference_date": meta.reference_date.isoformat(),
        "factor_set": f"{meta.factor_set_id} {meta.factor_set_version}",
        "methodology": meta.methodology_version,
        "criterion": criterion,
        "organisation": data.organisation,
    }
    return out, run


def _lines_table(id: str, caption: str, lines: list[csrd.Line], lang: str, prefix: str) -> DocTable:
    head = [
        t(k, lang)
        for k in ("lc.col.datapoint", "lc.col.label", "lc.col.value", "lc.col.items", "lc.col.note")
    ]
    rows = []
    for x in lines:
        note = say(x.estimate.reason if x.estimate.value is None else "; ".join(x.estimate.warnings), lang)
        if x.rules:
            note = (note + "; " if note else "") + "; ".join(sorted({r.instrument for r in x.rules}))
        rows.append(
            [
                Cell(x.code),
                Cell(t(f"{prefix}{x.code}", lang)),
                estimate_cell(x.estimate, lang, with_reason=False),
                Cell(str(x.items) if x.items else "—", True, raw=x.items or None),
                Cell(note),
            ]
        )
    return DocTable(id, caption, head, rows)


def _category_table(result: csrd.CsrdResult, lang: str) -> DocTable:
    from sobre.reporting import fmt

    head = [t(k, lang) for k in ("lc.col.category", "lc.col.value", "lc.col.items")]
    rows = [
        [
            Cell(
                t("lc.csrd.cloud", lang) if x.code == "cloud" else fmt.label("category", x.code, x.code, lang)
            ),
            estimate_cell(x.estimate, lang),
            Cell(str(x.items), True, raw=x.items),
        ]
        for x in result.scope3_by_category
    ]
    return DocTable("E1-6_04-categories", t("lc.csrd.s3cat_caption", lang), head, rows)


def csrd_document(database_url: str, org: str, run_id: int | None, lang: str) -> Document:
    result, run = csrd_figures(database_url, org, run_id)
    check = DocTable(
        "csrd-check",
        t("lc.csrd.check_caption", lang),
        [t("lc.col.figure", lang), t("lc.col.value", lang)],
        [
            [Cell(t("lc.csrd.partition", lang)), estimate_cell(result.partition_total, lang)],
            [Cell(t("lc.csrd.run_total", lang, run=run["id"])), estimate_cell(result.run_total, lang)],
        ],
        note=t("lc.csrd.check_note", lang),
    )
    blocks = [
        Block(
            "csrd-scope",
            t("lc.csrd.scope_title", lang),
            [
                t("lc.csrd.scope", lang, run=run["id"], day=run["reference_date"], factors=run["factor_set"]),
                t("lc.csrd.method", lang),
            ],
            tables=[check],
        ),
        Block(
            "e1-5",
            t("lc.csrd.e15_title", lang),
            [t("lc.csrd.e15_intro", lang)],
            tables=[_lines_table("E1-5", t("lc.csrd.e15_caption", lang), result.e15, lang, "lc.esrs.")],
        ),
        Block(
            "e1-6",
            t("lc.csrd.e16_title", lang),
            [t("lc.csrd.e16_intro", lang)],
            tables=[_lines_table("E1-6", t("lc.csrd.e16_caption", lang), result.e16, lang, "lc.esrs.")],
        ),
        Block(
            "e1-6-categories",
            t("lc.csrd.s3cat_title", lang),
            [t("lc.csrd.s3cat_intro", lang)],
            tables=[_category_table(result, lang)],
        ),
        Block(
            "beges",
            t("lc.csrd.beges_title", lang),
            [t("lc.csrd.beges_intro", lang)],
            tables=[_lines_table("BEGES", t("lc.csrd.beges_caption", lang), result.beges, lang, "lc.beges.")],
        ),
    ]
    rules = [r for x in result.e15 + result.e16 for r in x.rules]
    return Document(
        "csrd",
        lang,
        t("lc.csrd.doc_title", lang),
        run["organisation"],
        run["reference_date"][:4],
        blocks,
        sources=[t("lc.csrd.source_efrag", lang), t("lc.csrd.source_beges", lang), *sources(rules)],
        data={
            "run": run,
            "e1_5": [x.to_dict() for x in result.e15],
            "e1_6": [x.to_dict() for x in result.e16],
            "beges": [x.to_dict() for x in result.beges],
            "scope3_by_category": [x.to_dict() for x in result.scope3_by_category],
            "check": {"partition_t": result.partition_total.value, "run_total_t": result.run_total.value},
        },
    )
