"""Pages of the retention policies: the organisation's, Sobre's catalogue of legal periods, and the form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form as F
from fastapi.responses import Response

from sobre.core import i18n
from sobre.core.errors import InputError
from sobre.datasobriety import service
from sobre.datasobriety.plan import ACTIONS, Policy, default_policies
from sobre.datasobriety.routes import POLICY, VIEW, check_duration, patterns_from, render
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.registry import CapabilityRegistry

MAX_TEXT = 2000
MAX_CATEGORY = 80


def catalogue_text(policy: Policy, field: str, lang: str) -> str:
    """A catalogue policy's description or legal basis in the page's language (the user's own text as is)."""
    default = {p.category: p for p in default_policies()}.get(policy.category)
    text = getattr(policy, field)
    key = f"datasobriety.{'policy' if field == 'description' else 'legal'}.{policy.category}"
    if default is not None and getattr(default, field) == text and i18n.has(key):
        return i18n.t(key, lang)
    return str(text)


def policy_form(policy: Policy | None) -> Form:
    if policy is None:
        return Form({"action": "delete"})
    return Form(
        {
            "category": policy.category,
            "description": policy.description,
            "retention": policy.retention,
            "action": policy.action,
            "patterns": "; ".join(policy.patterns),
            "legal_basis": policy.legal_basis,
            "source": policy.source,
        }
    )


def policy_from(form: Form, ctx: RequestContext) -> Policy | None:
    """The policy the form describes, or None with a message on each field at fault."""
    category = str(form.value("category")).strip()
    if not category:
        form.error("category", ctx.t("web.form.required"))
    elif len(category) > MAX_CATEGORY:
        form.error("category", ctx.t("datasobriety.form.too_long", n=MAX_CATEGORY))
    retention = check_duration(form, ctx, "retention")
    action = str(form.value("action"))
    if action not in ACTIONS:
        form.error("action", ctx.t("web.form.choose"))
    patterns = patterns_from(str(form.value("patterns")))
    if not patterns:
        form.error("patterns", ctx.t("datasobriety.form.patterns"))
    for name in ("description", "legal_basis", "source", "patterns"):
        if len(str(form.value(name))) > MAX_TEXT:
            form.error(name, ctx.t("datasobriety.form.too_long", n=MAX_TEXT))
    if not form.ok:
        return None
    return Policy(
        category=category,
        retention=retention,
        action=action,
        patterns=patterns,
        description=str(form.value("description")).strip(),
        legal_basis=str(form.value("legal_basis")).strip(),
        source=str(form.value("source")).strip(),
    )


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    def policies_page(ctx: Ctx, form: Form | None = None, status: int = 200, edit: str = "") -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            mine = service.list_policies(s, ctx.org.name)
        editing = next((p for p in mine if p.category == edit), None)
        return render(
            ctx,
            "datasobriety/policies.html",
            status,
            policies=mine,
            catalogue=default_policies(),
            installed={p.category for p in mine},
            form=form or policy_form(editing),
            actions=[(a, ctx.t(f"datasobriety.action.{a}")) for a in ACTIONS],
            text=lambda p, f: catalogue_text(p, f, ctx.lang),
        )

    @page("/data/policies", permission=VIEW)
    def policies(ctx: Ctx, edit: str = "") -> Response:
        return policies_page(ctx, edit=edit[:MAX_CATEGORY])

    @page("/data/policies", permission=POLICY, methods=("POST",))
    def policy_set(
        ctx: Ctx,
        category: Annotated[str, F()] = "",
        description: Annotated[str, F()] = "",
        retention: Annotated[str, F()] = "",
        action: Annotated[str, F()] = "",
        patterns: Annotated[str, F()] = "",
        legal_basis: Annotated[str, F()] = "",
        source: Annotated[str, F()] = "",
    ) -> Response:
        assert ctx.org is not None
        values: dict[str, Any] = {
            "category": category,
            "description": description,
            "retention": retention,
            "action": action,
            "patterns": patterns,
            "legal_basis": legal_basis,
            "source": source,
        }
        form = Form(values)
        policy = policy_from(form, ctx)
        if policy is None:
            return policies_page(ctx, form, 422)
        with ctx.write_session() as s:
            service.set_policy(s, ctx.org.name, policy)
        return ctx.redirect(ctx.url("datasobriety.policies"), notice="datasobriety.notice.policy_saved")

    @page("/data/policies/remove", permission=POLICY, methods=("POST",))
    def policy_remove(ctx: Ctx, category: Annotated[str, F()] = "") -> Response:
        assert ctx.org is not None
        with ctx.write_session() as s:
            service.remove_policy(s, ctx.org.name, category)
        return ctx.redirect(ctx.url("datasobriety.policies"), notice="datasobriety.notice.policy_removed")

    @page("/data/policies/defaults", permission=POLICY, methods=("POST",))
    def policy_defaults(ctx: Ctx, category: Annotated[str, F()] = "") -> Response:
        assert ctx.org is not None
        known = {p.category for p in default_policies()}
        if category and category not in known:
            raise InputError("not a category of the catalogue", column="category", value=category)
        with ctx.write_session() as s:
            service.install_default_policies(s, ctx.org.name, [category] if category else None)
        return ctx.redirect(ctx.url("datasobriety.policies"), notice="datasobriety.notice.defaults_installed")
