"""Lifecycle and purchasing: item events and end of life with proof, purchases, suppliers' ESG, regulatory
figures (AGEC, REEN, CSRD, BEGES) and the technology and regulatory watch."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="lifecycle",
    order=50,
    commands={
        "lifecycle": "Equipment lifecycle: events, end of life with proof, repair or replace, yearly report.",
        "purchase": "Purchases (new, refurbished, reused), ecolabels and purchasing criteria for tenders.",
        "supplier": "Suppliers, their ESG questionnaires, scores and ranking.",
        "watch": "Technology and regulatory watch: feeds, entries, decisions and digest.",
    },
    cli="sobre.lifecycle.cli:register",
    models="sobre.lifecycle.models",
    extends={"report": "sobre.lifecycle.cli:register_report"},
    web="sobre.lifecycle.routes:register",
    demo="sobre.lifecycle.demo:seed",
    provides={"lifecycle.kpis": "sobre.lifecycle.service:kpis"},
)
