"""The demo town's lifecycle data: events, retirements with WEEE proof, purchases, suppliers, watch entries,
and its REEN strategy, AGEC/REEN figures and CSRD tables in French and English."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sobre.core.capabilities import DemoContext


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF of a few text lines (Helvetica), built by hand: the demo's WEEE certificate."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    body = "BT /F1 12 Tf 56 780 Td 16 TL " + " ".join(f"({esc(x)}) Tj T*" for x in lines) + " ET"
    stream = body.encode("latin-1", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


#: WEEE collections of the demo town (a collection day every spring and autumn).
COLLECTIONS = [
    date(y, m, d)
    for y, m, d in [
        (2020, 4, 14),
        (2020, 10, 13),
        (2021, 4, 12),
        (2021, 10, 11),
        (2022, 4, 11),
        (2022, 10, 10),
        (2023, 4, 17),
        (2023, 10, 9),
        (2024, 4, 15),
        (2024, 10, 14),
        (2025, 4, 14),
        (2025, 10, 13),
        (2025, 12, 15),
    ]
]
RECIPIENTS = [
    "Association Solidarité Numérique Sobreville",
    "Collège Jean-Moulin",
    "École du Parc",
    "Ressourcerie du Val",
]
BUYER = "Reconditio SAS (reconditionneur)"
WEEE_BODY = "Éco-organisme agréé DEEE pro"
SUPPLIERS = ["Bureau Pro Distribution", "Reconditio SAS", "Télécom Ouest", "Serveurs Durables SARL"]
_FR = {
    "reformed": "Réformé",
    "donated": "Don",
    "resold": "Vendu",
    "recycled": "Recyclé",
    "destroyed": "Détruit",
    "repaired": "Réparé",
}


@dataclass
class _Row:
    item: str
    kind: str
    day: date
    to: str = ""
    reason: str = ""
    cost: str = ""
    parts: str = ""
    price: str = ""
    certificate: str = ""
    weight: str = ""
    commitment: str = ""
    restricted: str = ""
    erasure: str = ""


_WEIGHT_KG = {
    "laptop": 2.0,
    "desktop": 7.5,
    "monitor": 5.0,
    "smartphone": 0.2,
    "tablet": 0.5,
    "printer": 14.0,
    "ip_phone": 0.9,
    "thin_client": 1.2,
    "display": 18.0,
}


def _events(items: list[dict[str, Any]], rng: random.Random, end: date) -> list[_Row]:
    """Events consistent with the inventory: each retired item's reform falls on its inventory retirement
    date and its last event gives the status it already has, so the footprint run stays valid."""
    rows: list[_Row] = []
    for it in items:
        status, retired, cat = it["status"], it["retirement_date"], it["category"]
        if status in ("retired", "reuse", "disposed") and retired is not None and retired <= end:
            police = "-PM-" in it["name"]
            rows.append(
                _Row(it["name"], "reformed", retired, reason=rng.choice(["obsolete"] * 3 + ["failure"]))
            )
            if status == "reuse":
                when = min(retired + timedelta(days=rng.randint(20, 200)), end)
                if rng.random() < 0.75:
                    rows.append(
                        _Row(
                            it["name"],
                            "donated",
                            when,
                            to=rng.choice(RECIPIENTS),
                            commitment="oui" if rng.random() < 0.85 else "",
                        )
                    )
                else:
                    rows.append(
                        _Row(
                            it["name"],
                            "resold",
                            when,
                            to=BUYER,
                            price=f"{rng.randint(25, 140)},00",
                            commitment="oui",
                        )
                    )
            elif status == "disposed":
                when = next((c for c in COLLECTIONS if c >= retired + timedelta(days=7)), COLLECTIONS[-1])
                when = max(when, retired)
                weight = f"{_WEIGHT_KG.get(cat, 3.0):.1f}".replace(".", ",")
                if police:
                    rows.append(
                        _Row(
                            it["name"],
                            "destroyed",
                            when,
                            to="Destruction certifiée",
                            weight=weight,
                            restricted="oui",
                            erasure="broyage des supports (DIN 66399 H-4)",
                        )
                    )
                else:
                    rows.append(
                        _Row(
                            it["name"],
                            "recycled",
                            when,
                            to=WEEE_BODY,
                            weight=weight,
                            certificate=f"BSD-{when:%Y%m%d}",
                        )
                    )
        elif (
            status == "in_use"
            and cat in ("laptop", "desktop", "smartphone", "printer")
            and rng.random() < 0.04
        ):
            bought = it["purchase_date"] or date(2020, 1, 1)
            start = max(bought + timedelta(days=200), date(2024, 1, 1))
            if start < end:
                when = start + timedelta(days=rng.randint(0, (end - start).days))
                part = {
                    "laptop": "batterie",
                    "desktop": "alimentation",
                    "smartphone": "écran",
                    "printer": "unité de fusion",
                }[cat]
                rows.append(_Row(it["name"], "repaired", when, cost=f"{rng.randint(45, 260)},00", parts=part))
    return rows


def _write_batch(path: Path, rows: list[_Row]) -> None:
    """A batch file as a technician's spreadsheet saves it: Windows-1252, ';', CRLF, French headers."""
    with path.open("w", encoding="cp1252", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        w.writerow(
            [
                "Équipement",
                "Événement",
                "Date",
                "Par",
                "Destinataire",
                "Motif",
                "Coût",
                "Pièces",
                "Prix",
                "Certificat",
                "Poids (kg)",
                "Engagement réemploi",
                "Données sensibles",
                "Effacement",
            ]
        )
        for r in rows:
            w.writerow(
                [
                    r.item,
                    _FR[r.kind],
                    r.day.strftime("%d/%m/%Y"),
                    "Service informatique",
                    r.to,
                    r.reason,
                    r.cost,
                    r.parts,
                    r.price,
                    r.certificate,
                    r.weight,
                    r.commitment,
                    r.restricted,
                    r.erasure,
                ]
            )


def _purchases(rng: random.Random) -> list[dict[str, Any]]:
    """Two years of IT purchases across the change of decree on 1 July 2024."""
    plan = [
        # (date, supplier, category, qty, unit price, condition, recycled %, labels, donation)
        (date(2024, 2, 12), 0, "laptop", 60, 890.0, "new", None, ["EPEAT Gold", "TCO Certified"], False),
        (date(2024, 3, 5), 1, "laptop", 25, 420.0, "refurbished", None, [], False),
        (date(2024, 4, 22), 0, "monitor", 80, 165.0, "new", 30.0, ["TCO Certified"], False),
        (date(2024, 5, 16), 2, "smartphone", 40, 310.0, "new", None, [], False),
        (date(2024, 6, 3), 3, "rack_server", 2, 6400.0, "new", None, ["EPEAT"], False),
        (date(2024, 9, 9), 1, "smartphone", 35, 185.0, "refurbished", None, [], False),
        (date(2024, 10, 1), 0, "laptop", 45, 910.0, "new", 12.0, ["EPEAT Gold"], False),
        (date(2024, 11, 18), 1, "desktop", 8, 60.0, "reused", None, [], True),
        (date(2024, 12, 2), 0, "tablet", 30, 389.0, "new", None, [], False),
        (date(2025, 2, 10), 1, "laptop", 70, 430.0, "refurbished", None, [], False),
        (date(2025, 3, 17), 0, "laptop", 50, 930.0, "new", 15.0, ["EPEAT Gold", "TCO Certified"], False),
        (date(2025, 4, 28), 0, "monitor", 60, 170.0, "new", 35.0, ["TCO Certified"], False),
        (date(2025, 6, 5), 2, "ip_phone", 80, 95.0, "refurbished", None, [], False),
        (date(2025, 9, 8), 1, "smartphone", 50, 195.0, "refurbished", None, [], False),
        (date(2025, 10, 20), 3, "rack_server", 1, 2900.0, "refurbished", None, [], False),
        (date(2025, 11, 3), 0, "printer", 6, 740.0, "new", None, ["Blue Angel"], False),
    ]
    out: list[dict[str, Any]] = []
    for day, sup, cat, qty, price, cond, recycled, labels, donation in plan:
        out.append(
            {
                "purchase_date": day,
                "supplier": SUPPLIERS[sup],
                "category": cat,
                "quantity": float(qty),
                "unit_price": price,
                "condition": cond,
                "acquisition": "donation" if donation else "purchase",
                "recycled_content_pct": recycled,
                "ecolabels": labels,
                "repairability_index": round(rng.uniform(6.0, 8.5), 1)
                if cat in ("laptop", "smartphone")
                else None,
                "warranty_years": 5.0 if cat in ("laptop", "desktop", "monitor") else 2.0,
                "reference": f"MAPA-{day:%Y}-{len(out) + 1:03d}",
            }
        )
    return out


_ANSWERS = {  # supplier → answers (code → (answer, evidence))
    "Bureau Pro Distribution": {
        "env_policy": ("oui", "politique RSE 2024"),
        "iso14001": ("oui", ""),
        "ghg_report": ("oui", "bilan GES 2023"),
        "sbti_target": ("non", ""),
        "product_pcf": ("3", ""),
        "ecolabel_offer": ("70", ""),
        "refurbished_offer": ("non", ""),
        "takeback": ("oui", "contrat éco-organisme"),
        "spare_parts_years": ("3", ""),
        "repair_docs": ("oui", ""),
        "warranty_extension": ("oui", ""),
        "packaging": ("non", ""),
        "due_diligence": ("oui", "plan de vigilance"),
        "minerals": ("oui", ""),
        "labour_audits": ("2", ""),
    },
    "Reconditio SAS": {
        "env_policy": ("oui", "charte"),
        "ghg_report": ("oui", "bilan carbone 2024"),
        "refurbished_offer": ("oui", ""),
        "takeback": ("oui", "agrément"),
        "spare_parts_years": ("4", ""),
        "repair_docs": ("oui", ""),
        "warranty_extension": ("oui", ""),
        "packaging": ("oui", ""),
        "due_diligence": ("non", ""),
        "minerals": ("n/a", ""),
        "ecolabel_offer": ("0", ""),
        "product_pcf": ("2", ""),
    },
    "Télécom Ouest": {
        "env_policy": ("oui", ""),
        "ghg_report": ("non", ""),
        "refurbished_offer": ("oui", ""),
        "takeback": ("non", ""),
        "ecolabel_offer": ("20", ""),
    },
}
_WATCH = [
    (
        "Décret n° 2024-134 : nouveaux taux d'achats issus du réemploi (AGEC art. 58) au 1er juillet 2024",
        "regulation",
        "https://www.legifrance.gouv.fr/eli/decret/2024/2/21/2024-134/jo/texte",
        date(2024, 2, 23),
        ["achats", "AGEC"],
        5,
        "Part de réemploi des achats informatiques : 20 % à compter de 2024, 25 % en 2027",
        "comply",
        "Intégrer un lot reconditionné dans le prochain marché de postes de travail",
        "Commande publique",
    ),
    (
        "Décret n° 2023-266 : 50 % des matériels informatiques réformés vers le réemploi à partir de 2025",
        "regulation",
        "https://www.legifrance.gouv.fr/eli/decret/2023/4/12/2023-266/jo/texte",
        date(2023, 4, 14),
        ["réemploi", "REEN"],
        5,
        "Taux de réemploi des matériels réformés suivi chaque année",
        "comply",
        "Convention de don avec les écoles et associations du territoire",
        "DSI",
    ),
    (
        "Fin du support de Windows 10 le 14 octobre 2025",
        "technology",
        None,
        date(2025, 1, 15),
        ["postes de travail", "obsolescence"],
        4,
        "Postes anciens à mettre à niveau plutôt qu'à remplacer",
        "adopt",
        "Inventaire des postes compatibles, mise à niveau de la mémoire et du disque",
        "DSI",
    ),
    (
        "Règlement (UE) 2023/1670 : écoconception des smartphones et tablettes (pièces, mises à jour)",
        "regulation",
        None,
        date(2023, 9, 1),
        ["achats", "téléphonie"],
        3,
        "Critères de durabilité dans le marché de téléphonie mobile",
        "monitor",
        None,
        None,
    ),
    (
        "RGESN 2024 publié par l'Arcep et l'Arcom",
        "regulation",
        None,
        date(2024, 5, 17),
        ["écoconception"],
        3,
        "Référentiel pour les déclarations d'écoconception des services en ligne",
        "monitor",
        None,
        None,
    ),
]


def seed(ctx: DemoContext) -> list[Path]:
    """Give the demo town its lifecycle history, purchases, suppliers and watch, then write its documents."""
    from sobre.core.db import session_scope
    from sobre.inventory import service as inventory
    from sobre.lifecycle import purchasing, service, watch
    from sobre.lifecycle.document import write
    from sobre.lifecycle.reports import agec_document, csrd_document
    from sobre.lifecycle.reports_reen import reen_document, yearly_document
    from sobre.orgs import service as orgs

    rng = random.Random(ctx.seed + 20)
    url, org, end = ctx.database_url, ctx.org_name, ctx.reference_date
    with session_scope(url) as session:
        items = inventory.equipment_records(session, orgs.get(session, org).id)
    rows = _events(items, rng, end)
    folder = ctx.out / "inputs" / "cycle-de-vie"
    folder.mkdir(parents=True, exist_ok=True)
    # Reforms, repairs and second lives as one history file; each WEEE collection as its own batch with its
    # treatment certificate, as the eco-organism returns it.
    history = [r for r in rows if r.kind not in ("recycled", "destroyed")]
    _write_batch(folder / "historique.csv", history)
    service.import_events(url, ctx.home, org, folder / "historique.csv", batch="Historique du parc")
    by_day: dict[date, list[_Row]] = {}
    for r in rows:
        if r.kind in ("recycled", "destroyed"):
            by_day.setdefault(r.day, []).append(r)
    for day, batch in sorted(by_day.items()):
        path = folder / f"collecte-deee-{day:%Y-%m-%d}.csv"
        _write_batch(path, batch)
        cert = folder / f"certificat-{day:%Y-%m-%d}.pdf"
        kg = sum(float(r.weight.replace(",", ".")) for r in batch)
        cert.write_bytes(
            minimal_pdf(
                [
                    "Certificat de traitement de DEEE professionnels",
                    f"Detenteur : {org}",
                    f"Collecte du {day:%d/%m/%Y} - {len(batch)} equipements, {kg:.1f} kg",
                    f"Bordereau BSD-{day:%Y%m%d} - traitement par {WEEE_BODY}",
                ]
            )
        )
        service.import_events(
            url, ctx.home, org, path, batch=f"Collecte DEEE {day:%d/%m/%Y}", certificate=cert
        )
    for name in SUPPLIERS:
        purchasing.add_supplier(url, org, name, country="FR")
    for line in _purchases(rng):
        purchasing.add_purchase(url, org, **line)
    for supplier, answers in _ANSWERS.items():
        purchasing.assess(
            url,
            org,
            supplier,
            {k: {"answer": a, "evidence": e} for k, (a, e) in answers.items()},
            assessed_on=date(2025, 6, 30),
            assessor="Commande publique",
        )
    for title, kind, link, published, tags, relevance, impact, decision, action, owner in _WATCH:
        watch.add_entry(
            url,
            org,
            title,
            kind=kind,
            url=link,
            published=published,
            tags=tags,
            relevance=relevance,
            impact=impact,
            decision=decision,
            action=action,
            owner=owner,
        )

    year = end.year
    docs: list[Path] = []
    out = ctx.out
    for lang in (ctx.lang, *(x for x in ("fr", "en") if x != ctx.lang)):
        reen = reen_document(url, org, year, lang)
        docs.append(write(reen, "html", out, "strategie-numerique-responsable"))
        docs.append(write(reen, "pdf", out, "strategie-numerique-responsable"))
        docs.append(write(agec_document(url, org, year, lang), "html", out, "agec-reen"))
        docs.append(write(csrd_document(url, org, ctx.run_id, lang), "html", out, "csrd-e1"))
        if lang == ctx.lang:
            docs.append(write(reen, "xlsx", out, "strategie-numerique-responsable"))
            docs.append(write(agec_document(url, org, year, lang), "xlsx", out, "agec-reen"))
            docs.append(write(csrd_document(url, org, ctx.run_id, lang), "xlsx", out, "csrd-e1"))
            docs.append(write(yearly_document(url, org, year, lang), "html", out, "cycle-de-vie"))
    return docs
