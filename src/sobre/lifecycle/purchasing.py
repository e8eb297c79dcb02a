"""Use cases of purchasing: purchase lines (and donations received) linked to the items they delivered,
ecolabels, purchase imports, suppliers, their ESG assessments and ranking, and tender criteria."""

from __future__ import annotations

import csv
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import session_scope, write_session
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.core.i18n import t
from sobre.inventory import service as inventory
from sobre.inventory.taxonomy import Category
from sobre.inventory.vocab import CATEGORY, fold
from sobre.lifecycle import esg
from sobre.lifecycle.agec import Condition
from sobre.lifecycle.models import Assessment, Purchase, PurchaseItem, Questionnaire, Supplier
from sobre.orgs import service as orgs

#: Ecolabels and indices a purchase line may carry (canonical name ← folded spellings).
ECOLABELS = {
    "EPEAT": ["epeat"],
    "EPEAT Bronze": ["epeat bronze"],
    "EPEAT Silver": ["epeat silver", "epeat argent"],
    "EPEAT Gold": ["epeat gold", "epeat or"],
    "EPEAT Climate+": ["epeat climate", "epeat climate plus"],
    "TCO Certified": ["tco", "tco certified", "tco certified generation 9", "tco certified generation 10"],
    "Blue Angel": ["blue angel", "blauer engel", "ange bleu", "der blaue engel"],
    "EU Ecolabel": ["eu ecolabel", "ecolabel europeen", "ecolabel eu"],
    "Energy Star": ["energy star", "energystar"],
    "NF Environnement": ["nf environnement"],
    "Nordic Swan": ["nordic swan", "cygne nordique", "svanen"],
}
_LABELS = {fold(s): name for name, spellings in ECOLABELS.items() for s in [name, *spellings]}
_CONDITIONS = {
    "new": Condition.NEW,
    "neuf": Condition.NEW,
    "refurbished": Condition.REFURBISHED,
    "reconditionne": Condition.REFURBISHED,
    "reused": Condition.REUSED,
    "occasion": Condition.REUSED,
    "seconde main": Condition.REUSED,
    "reemploi": Condition.REUSED,
    "second hand": Condition.REUSED,
}
CRITERIA = Path(__file__).parent / "data" / "purchasing_criteria.csv"


def ecolabels(values: list[str], column: str = "ecolabels") -> list[str]:
    out = []
    for v in values:
        if not v.strip():
            continue
        name = _LABELS.get(fold(v))
        if name is None:
            raise InputError("unknown ecolabel", column=column, value=v, expected=", ".join(ECOLABELS))
        out.append(name)
    return sorted(set(out))


def condition(text: str | None, column: str = "condition") -> str | None:
    if text is None or not text.strip() or fold(text) in ("unknown", "inconnu"):
        return None
    found = _CONDITIONS.get(fold(text))
    if found is None:
        raise InputError("unknown condition", column=column, value=text, expected="new, refurbished, reused")
    return found.value


def category(text: str, column: str = "category") -> str:
    found = CATEGORY.get(fold(text)) if text else None
    if found is None:
        raise InputError(
            "unknown category", column=column, value=text, expected=", ".join(c.value for c in Category)
        )
    return str(found)


def _supplier_id(session: Session, org_id: int, name: str | None, *, create: bool = True) -> int | None:
    if not name:
        return None
    found = session.scalar(sa.select(Supplier.id).where(Supplier.org_id == org_id, Supplier.name == name))
    if found is None:
        if not create:
            raise NotFound(f"no supplier named {name!r}; add it with 'sobre supplier add'")
        row = Supplier(org_id=org_id, name=name)
        session.add(row)
        session.flush()
        return row.id
    return int(found)


def _check_line(d: dict[str, Any]) -> None:
    if d["quantity"] is None or d["quantity"] <= 0:
        raise InputError("the quantity must be positive", column="quantity", value=d["quantity"])
    if d["unit_price"] is None or d["unit_price"] < 0:
        raise InputError("the unit price must not be negative", column="unit_price", value=d["unit_price"])
    pct = d.get("recycled_content_pct")
    if pct is not None and not 0 <= pct <= 100:
        raise InputError("recycled content is a percentage (0–100)", column="recycled_content", value=pct)
    for k in ("repairability_index", "durability_index"):
        if d.get(k) is not None and not 0 <= d[k] <= 10:
            raise InputError("an index is between 0 and 10", column=k, value=d[k])
    if d.get("acquisition", "purchase") not in ("purchase", "donation"):
        raise InputError(
            "unknown acquisition", column="acquisition", value=d["acquisition"], expected="purchase, donation"
        )


def _insert(session: Session, org_id: int, d: dict[str, Any], items: list[str]) -> Purchase:
    _check_line(d)
    row = Purchase(
        org_id=org_id,
        reference=d.get("reference"),
        supplier_id=_supplier_id(session, org_id, d.get("supplier")),
        purchase_date=d["purchase_date"],
        category=d["category"],
        manufacturer=d.get("manufacturer"),
        model=d.get("model"),
        quantity=d["quantity"],
        unit_price=d["unit_price"],
        condition=d.get("condition"),
        acquisition=d.get("acquisition") or "purchase",
        recycled_content_pct=d.get("recycled_content_pct"),
        ecolabels=d.get("ecolabels") or [],
        repairability_index=d.get("repairability_index"),
        durability_index=d.get("durability_index"),
        warranty_years=d.get("warranty_years"),
        notes=d.get("notes"),
    )
    session.add(row)
    session.flush()
    _link(session, org_id, row, items)
    return row


def _link(session: Session, org_id: int, purchase: Purchase, items: list[str]) -> None:
    if not items:
        return
    found = {r["name"]: r for r in inventory.equipment_records(session, org_id, names=items)}
    missing = [n for n in items if n not in found]
    if missing:
        raise NotFound(f"no equipment named {', '.join(missing)} in the inventory")
    for name in items:
        if found[name]["category"] != purchase.category:
            raise InputError(
                f"{name} is a {found[name]['category']}, the purchase is of {purchase.category}",
                column="--item",
                value=name,
            )
        taken = session.scalar(
            sa.select(PurchaseItem.purchase_id).where(PurchaseItem.equipment_id == found[name]["id"])
        )
        if taken is not None and taken != purchase.id:
            raise InputError(f"{name} is already linked to purchase {taken}", column="--item", value=name)
        if taken is None:
            session.add(PurchaseItem(purchase_id=purchase.id, equipment_id=found[name]["id"]))
    linked = session.scalar(sa.select(sa.func.count()).where(PurchaseItem.purchase_id == purchase.id)) or 0
    if linked > purchase.quantity:
        raise InputError(f"{linked} items linked to a purchase of {purchase.quantity:g}", column="--item")


def add_purchase(
    database_url: str, org: str, items: list[str] | None = None, **fields: Any
) -> dict[str, Any]:
    """Record a purchase line (or a donation received); ``items`` are the inventory items it delivered."""
    with write_session(database_url) as session:
        row = _insert(session, orgs.get(session, org).id, fields, items or [])
        return _view(session, row)


def link_items(database_url: str, org: str, purchase_id: int, items: list[str]) -> dict[str, Any]:
    with write_session(database_url) as session:
        org_id = orgs.get(session, org).id
        row = session.get(Purchase, purchase_id)
        if row is None or row.org_id != org_id:
            raise NotFound(f"no purchase {purchase_id} for {org!r}")
        _link(session, org_id, row, items)
        return _view(session, row)


def _view(session: Session, p: Purchase) -> dict[str, Any]:
    supplier = session.get(Supplier, p.supplier_id) if p.supplier_id else None
    items = session.scalars(
        sa.select(PurchaseItem.equipment_id).where(PurchaseItem.purchase_id == p.id)
    ).all()
    names = (
        [r["name"] for r in inventory.equipment_records(session, p.org_id, ids=list(items))] if items else []
    )
    return {
        "id": p.id,
        "date": p.purchase_date.isoformat(),
        "supplier": supplier.name if supplier else None,
        "reference": p.reference,
        "category": p.category,
        "manufacturer": p.manufacturer,
        "model": p.model,
        "quantity": p.quantity,
        "unit_price": p.unit_price,
        "amount": p.quantity * p.unit_price,
        "condition": p.condition,
        "acquisition": p.acquisition,
        "recycled_content_pct": p.recycled_content_pct,
        "ecolabels": p.ecolabels or [],
        "repairability_index": p.repairability_index,
        "durability_index": p.durability_index,
        "warranty_years": p.warranty_years,
        "items": names,
    }


def list_purchases(database_url: str, org: str, year: int | None = None) -> list[dict[str, Any]]:
    with session_scope(database_url) as session:
        q = sa.select(Purchase).where(Purchase.org_id == orgs.get(session, org).id)
        if year:
            q = q.where(Purchase.purchase_date.between(date(year, 1, 1), date(year, 12, 31)))
        return [_view(session, p) for p in session.scalars(q.order_by(Purchase.purchase_date, Purchase.id))]


_PURCHASE_HEADERS = {
    "purchase_date": ("date", "date achat", "date d achat", "purchase date"),
    "supplier": ("supplier", "fournisseur", "titulaire"),
    "reference": ("reference", "commande", "n commande", "order", "marche"),
    "category": ("category", "categorie", "type"),
    "manufacturer": ("manufacturer", "fabricant", "marque"),
    "model": ("model", "modele"),
    "quantity": ("quantity", "quantite", "qte"),
    "unit_price": ("unit price", "prix unitaire", "prix unitaire ht", "pu ht", "unit price eur"),
    "condition": ("condition", "etat"),
    "acquisition": ("acquisition", "mode", "mode d acquisition"),
    "recycled_content_pct": ("recycled content", "matieres recyclees", "matieres recyclees", "recycled"),
    "ecolabels": ("ecolabels", "labels", "ecolabel", "label"),
    "repairability_index": ("repairability", "indice de reparabilite", "reparabilite"),
    "durability_index": ("durability", "indice de durabilite", "durabilite"),
    "warranty_years": ("warranty", "garantie", "garantie ans", "warranty years"),
    "notes": ("notes", "commentaire"),
}


def import_purchases(database_url: str, org: str, path: Path) -> int:
    """Import purchase lines from a CSV or XLSX (French or English headers); any bad row refuses the file."""
    from sobre.inventory.reading import open_source
    from sobre.lifecycle.importer import _date, _number

    source = open_source(path)
    index = {}
    for i, name in enumerate(source.header):
        for f, names in _PURCHASE_HEADERS.items():
            if fold(name) in names and f not in index:
                index[f] = i
    missing = [f for f in ("purchase_date", "category", "quantity", "unit_price") if f not in index]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", file=str(path), row=1)
    lines: list[dict[str, Any]] = []
    for line, cells in source.rows():
        raw = {f: (cells[i].strip() if i < len(cells) else "") for f, i in index.items()}
        col = lambda f: source.header[index[f]]  # noqa: E731 - the header as the user wrote it
        d: dict[str, Any] = {
            k: raw.get(k) or None for k in ("supplier", "reference", "manufacturer", "model", "notes")
        }
        try:
            try:
                d["purchase_date"] = _date(raw["purchase_date"])
            except ValueError:
                raise InputError(
                    "not a date", column=col("purchase_date"), value=raw["purchase_date"]
                ) from None
            d["category"] = category(raw["category"], col("category"))
            for f in (
                "quantity",
                "unit_price",
                "recycled_content_pct",
                "repairability_index",
                "durability_index",
                "warranty_years",
            ):
                if raw.get(f):
                    try:
                        d[f] = _number(raw[f].rstrip("%"))
                    except ValueError:
                        raise InputError("not a number", column=col(f), value=raw[f]) from None
            d["condition"] = condition(
                raw.get("condition"), col("condition") if "condition" in index else "condition"
            )
            acq = fold(raw.get("acquisition") or "purchase")
            d["acquisition"] = {"achat": "purchase", "don": "donation", "donation": "donation"}.get(acq, acq)
            d["ecolabels"] = ecolabels([x for x in (raw.get("ecolabels") or "").replace(",", ";").split(";")])
            _check_line({**{"quantity": None, "unit_price": None}, **d})
        except InputError as exc:
            raise InputError(
                str(exc).split(": ", 1)[-1] if exc.column else str(exc),
                file=str(path),
                row=line,
                column=exc.column,
                value=exc.value,
            ) from None
        lines.append(d)
    with write_session(database_url) as session:
        org_id = orgs.get(session, org).id
        for d in lines:
            _insert(session, org_id, d, [])
    return len(lines)


# ------------------------------------------------------------------------------------------- suppliers


def add_supplier(database_url: str, org: str, name: str, **fields: Any) -> dict[str, Any]:
    with write_session(database_url) as session:
        org_id = orgs.get(session, org).id
        if session.scalar(sa.select(Supplier.id).where(Supplier.org_id == org_id, Supplier.name == name)):
            raise SobreError(f"supplier {name!r} exists")
        session.add(Supplier(org_id=org_id, name=name.strip(), **fields))
    return {"name": name, **fields}


def _questionnaire(session: Session, org_id: int) -> Questionnaire:
    row = session.scalar(
        sa.select(Questionnaire).where(
            Questionnaire.org_id == org_id,
            Questionnaire.name == esg.BUILTIN_NAME,
            Questionnaire.version == esg.BUILTIN_VERSION,
        )
    )
    if row is None:
        row = Questionnaire(
            org_id=org_id,
            name=esg.BUILTIN_NAME,
            version=esg.BUILTIN_VERSION,
            questions=[q.to_dict() for q in esg.builtin_questions()],
        )
        session.add(row)
        session.flush()
    return row


def questionnaire(database_url: str, org: str, lang: str) -> list[dict[str, Any]]:
    """The questions (with their text in ``lang``) to send to suppliers."""
    with session_scope(database_url) as session:
        row = _questionnaire(session, orgs.get(session, org).id)
        return _texts(row.questions, lang)


def builtin_questionnaire(lang: str) -> list[dict[str, Any]]:
    """Sobre's questionnaire with its texts in ``lang``, read without touching the database (pages)."""
    return _texts([q.to_dict() for q in esg.builtin_questions()], lang)


def _texts(questions: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [
        {
            **q,
            "question": t(f"lc.esg.q.{q['code']}", lang),
            "theme_label": t(f"lc.esg.theme.{q['theme']}", lang),
        }
        for q in questions
    ]


def questionnaire_csv(rows: list[dict[str, Any]]) -> str:
    """The questionnaire as a CSV to send to a supplier (``;``, answer and evidence columns to fill in);
    :func:`read_answers` reads it back."""
    import io

    buffer = io.StringIO()
    w = csv.writer(buffer, delimiter=";")
    w.writerow(["code", "theme", "question", "kind", "weight", "evidence_required", "answer", "evidence"])
    for r in rows:
        w.writerow(
            [
                r["code"],
                r["theme_label"],
                r["question"],
                r["kind"],
                r["weight"],
                "yes" if r["evidence"] else "no",
                "",
                "",
            ]
        )
    return buffer.getvalue()


def read_answers(path: Path) -> dict[str, dict[str, Any]]:
    """Answers from a CSV (code, answer, evidence, comment) as filled in by a supplier."""
    from sobre.inventory.reading import open_source

    source = open_source(path)
    head = [fold(h) for h in source.header]
    if "code" not in head or not ({"answer", "reponse"} & set(head)):
        raise InputError("the answers file needs 'code' and 'answer' columns", file=str(path), row=1)
    ci = head.index("code")
    ai = head.index("answer") if "answer" in head else head.index("reponse")
    ei = next((head.index(h) for h in ("evidence", "preuve", "justificatif") if h in head), None)
    out: dict[str, dict[str, Any]] = {}
    for _line, cells in source.rows():

        def get(i: int | None, cells: list[str] = cells) -> str:
            return cells[i].strip() if i is not None and i < len(cells) else ""

        out[get(ci)] = {"answer": get(ai), "evidence": get(ei)}
    return out


def assess(
    database_url: str,
    org: str,
    supplier: str,
    answers: dict[str, dict[str, Any]],
    *,
    assessed_on: date,
    assessor: str | None = None,
) -> dict[str, Any]:
    """Score a supplier's answers and keep them (the history shows each assessment)."""
    with write_session(database_url) as session:
        org_id = orgs.get(session, org).id
        supplier_id = _supplier_id(session, org_id, supplier, create=False)
        q = _questionnaire(session, org_id)
        result = esg.score(esg.questions_from(q.questions), answers)
        session.add(
            Assessment(
                org_id=org_id,
                supplier_id=supplier_id,
                questionnaire_id=q.id,
                assessed_on=assessed_on,
                assessor=assessor,
                answers=answers,
                score=result.score,
                coverage=result.coverage,
            )
        )
        return {"supplier": supplier, "date": assessed_on.isoformat(), **result.to_dict()}


def ranking(database_url: str, org: str, year: int | None = None) -> list[dict[str, Any]]:
    """Suppliers with their latest ESG score, coverage, number of assessments and spend (of ``year``)."""
    with session_scope(database_url) as session:
        org_id = orgs.get(session, org).id
        rows = []
        for s in session.scalars(
            sa.select(Supplier).where(Supplier.org_id == org_id).order_by(Supplier.name)
        ):
            history = session.scalars(
                sa.select(Assessment)
                .where(Assessment.supplier_id == s.id)
                .order_by(Assessment.assessed_on, Assessment.id)
            ).all()
            spend_q = sa.select(sa.func.sum(Purchase.quantity * Purchase.unit_price)).where(
                Purchase.supplier_id == s.id, Purchase.acquisition == "purchase"
            )
            if year:
                spend_q = spend_q.where(Purchase.purchase_date.between(date(year, 1, 1), date(year, 12, 31)))
            last = history[-1] if history else None
            rows.append(
                {
                    "id": s.id,
                    "supplier": s.name,
                    "score": last.score if last else None,
                    "coverage": last.coverage if last else None,
                    "assessed_on": last.assessed_on.isoformat() if last else None,
                    "history": [{"date": a.assessed_on.isoformat(), "score": a.score} for a in history],
                    "spend": float(session.scalar(spend_q) or 0.0),
                }
            )
    return esg.rank(rows)


@cache
def _criteria() -> tuple[dict[str, str], ...]:
    with CRITERIA.open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def criteria(category_code: str | None = None) -> list[dict[str, Any]]:
    """Purchasing criteria for a tender (requirements and weighted award criteria), for one category."""
    out = []
    for r in _criteria():
        cats = r["categories"].split(";")
        if category_code and category_code not in cats:
            continue
        out.append(
            {
                "code": r["code"],
                "kind": r["kind"],
                "weight": float(r["weight"]),
                "categories": cats,
                "reference": r["reference"],
            }
        )
    return out


def criteria_document(category_code: str | None, lang: str) -> Any:
    """The purchasing criteria of a tender as a document (HTML, PDF, XLSX, JSON)."""
    from sobre.lifecycle.document import Block, Cell, DocTable, Document

    rows = criteria(category_code)
    head = [t(f"lc.crit.col.{c}", lang) for c in ("criterion", "kind", "weight", "reference")]
    table = DocTable(
        "criteria",
        t("lc.crit.caption", lang),
        head,
        [
            [
                Cell(t(f"lc.crit.{r['code']}", lang)),
                Cell(t(f"lc.crit.kind.{r['kind']}", lang)),
                Cell(f"{r['weight']:g}" if r["weight"] else "—", True, raw=r["weight"] or None),
                Cell(r["reference"]),
            ]
            for r in rows
        ],
        note=t("lc.crit.note", lang),
    )
    return Document(
        "criteria",
        lang,
        t("lc.crit.title", lang),
        "—",
        category_code or t("lc.crit.all", lang),
        [Block("criteria", t("lc.crit.title", lang), tables=[table])],
        data={"criteria": rows},
    )
