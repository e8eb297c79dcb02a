"""Strategy and steering: what-if scenarios recomputed by the footprint engine, vision, commitments and
objectives, actions and roadmap, KPIs with automatic and manual measurements, reviews, and the strategy
document."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="strategy",
    order=60,
    commands={
        "scenario": "What-if scenarios: changes recomputed by the footprint engine, deltas and comparison.",
        "action": "The action plan: actions with avoided impact, cost, effort, horizon, owner and dates.",
        "kpi": "Indicators: definitions, targets, automatic and manual measurements.",
        "review": "Steering reviews (plan, do, check, act) with a snapshot of the indicators and decisions.",
        "strategy": "Vision, commitments, objectives and the strategy document.",
        "objective": "Objectives by id: list, change and delete them.",
    },
    cli="sobre.strategy.cli:register",
    models="sobre.strategy.models",
    web="sobre.strategy.routes:register",
    demo="sobre.strategy.demo:seed",
    provides={
        "reen.strategy": "sobre.strategy.reen:content",
        "strategy.kpi_sources": "sobre.strategy.sources:own_sources",
    },
)
