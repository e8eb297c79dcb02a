"""Eco-design of digital services: EcoIndex in a real browser, opportunity reviews, objectives, follow-up."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="ecodesign",
    order=65,
    commands={"ecoindex": "Measure the EcoIndex of web pages and user journeys in headless Chromium."},
    cli="sobre.ecodesign.cli:register",
    models="sobre.ecodesign.models",
    demo="sobre.ecodesign.demo:seed",
    web="sobre.ecodesign.routes:register",
    extends={"service": "sobre.ecodesign.cli:register_service"},
)
