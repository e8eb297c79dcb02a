"""The web application's shell: sign-in, sessions, the permission table, layout, shared templates, API."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="web",
    order=90,
    commands={
        "serve": "Serve the web application and the JSON API.",
        "user": "User accounts, roles per organisation and the permission table.",
        "token": "API tokens (scoped to an organisation and a role, shown once).",
    },
    cli="sobre.web.cli:register",
    models="sobre.web.models",
    web="sobre.web.routes:register",
    demo="sobre.web.demo:seed",
)
