"""Assessments: organisational Green IT maturity, RGESN eco-design conformity and RGAA accessibility audits.

Questionnaires are driven by versioned referential packages (the official RGESN 2024, the DINUM good-practice
guide for organisations and RGAA 4.1.2 files, or Sobre's own built-in maturity model); answers carry evidence,
who gave them and when; scores follow each referential's published method.
"""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="assessment",
    order=50,
    commands={
        "assess": "Assessments: maturity, RGESN eco-design and RGAA accessibility (start, answer, score…).",
        "referential": "Referentials of assessments: install the official files, list and show them.",
    },
    cli="sobre.assessment.cli:register",
    models="sobre.assessment.models",
    extends={"service": "sobre.assessment.cli:register_service"},
    demo="sobre.assessment.demo:seed",
    report="sobre.assessment.report:sections",
    web="sobre.assessment.routes:register",
    provides={"rgesn.score": "sobre.assessment.service:rgesn_score"},
)
