"""The people of the strategy: communication plan, training (modules, sessions, attendance) and the
referents network, whose feedback entries create or adjust actions (referents may add feedback)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from sobre.strategy.routes_common import org_name, posted, render
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.registry import CapabilityRegistry


def register(registry: CapabilityRegistry, save: Any) -> None:
    page = registry.page

    def people_page(ctx: RequestContext, form: Form | None = None, status: int = 200) -> Response:
        from sobre.strategy import people, steering

        assert ctx.org is not None
        with ctx.session() as s:
            data = {
                "messages": people.messages(s, org_name(ctx)),
                "modules": people.training(s, org_name(ctx)),
                "referents": people.referents(s, org_name(ctx)),
                "feedback": people.feedback_log(s, org_name(ctx)),
                "actions": steering.list_actions(s, org_name(ctx)),
            }
        return render(
            ctx,
            "strategy/people.html",
            status,
            levels=people.LEVELS,
            channels=people.CHANNELS,
            feedback_kinds=people.FEEDBACK_KINDS,
            form=form or Form(),
            **data,
        )

    @page("/strategy/people", permission="strategy.view", name="strategy.people")
    def people_view(ctx: Ctx) -> Response:
        return people_page(ctx)

    def back(ctx: RequestContext) -> Any:
        return lambda _: ctx.url("strategy.people")

    @page(
        "/strategy/people/messages",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.message_create",
    )
    async def message_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, people

        assert ctx.org is not None
        form = await posted(request)
        title = forms.text(form, "m_title", ctx.t, required=True)
        audience = forms.text(form, "m_audience", ctx.t, required=True, limit=40)
        level = forms.choice(form, "m_level", people.LEVELS, ctx.t)
        channel = forms.choice(form, "m_channel", people.CHANNELS, ctx.t)
        planned_on = forms.day(form, "m_on", ctx.t, required=True)
        body = forms.text(form, "m_body", ctx.t, limit=4000) or None
        action = str(form.value("m_action", "") or "")
        if body is None and not action.isdigit():
            form.error("m_body", ctx.t("st.form.body_or_action"))
        return save(
            ctx,
            form,
            "m_body",
            lambda s: people.plan_message(
                s,
                org_name(ctx),
                title,
                audience=audience,
                level=level or "",
                channel=channel or "",
                planned_on=planned_on or date.today(),
                action_id=int(action) if action.isdigit() else None,
                body=body,
                lang=ctx.lang,
            ),
            lambda f: people_page(ctx, f, 422),
            back(ctx),
            "st.notice.saved",
        )

    @page(
        "/strategy/people/modules",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.module_create",
    )
    async def module_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, people

        assert ctx.org is not None
        form = await posted(request)
        title = forms.text(form, "t_title", ctx.t, required=True)
        audience = forms.text(form, "t_audience", ctx.t, required=True, limit=40)
        hours = form.number("t_hours", ctx.t, low=0.1, high=1000, required=True)
        return save(
            ctx,
            form,
            "t_title",
            lambda s: people.add_module(s, org_name(ctx), title, audience, hours or 0),
            lambda f: people_page(ctx, f, 422),
            back(ctx),
            "st.notice.saved",
        )

    @page(
        "/strategy/people/sessions",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.session_create",
    )
    async def session_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, people

        assert ctx.org is not None
        form = await posted(request)
        module = forms.text(form, "s_module", ctx.t, required=True)
        held_on = forms.day(form, "s_on", ctx.t, required=True)
        trainer = forms.text(form, "s_trainer", ctx.t)
        place = forms.text(form, "s_place", ctx.t)
        attendees = forms.people_list(str(form.value("s_people", "")))

        def do(s: Any) -> int:
            session_id = people.add_session(s, org_name(ctx), module, held_on or date.today(), trainer, place)
            people.record_attendance(s, org_name(ctx), session_id, attendees)
            return session_id

        return save(
            ctx,
            form,
            "s_module",
            do,
            lambda f: people_page(ctx, f, 422),
            back(ctx),
            "st.notice.saved",
        )

    @page(
        "/strategy/people/referents",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.referent_create",
    )
    async def referent_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, people

        assert ctx.org is not None
        form = await posted(request)
        name = forms.text(form, "r_name", ctx.t, required=True)
        email = forms.text(form, "r_email", ctx.t, required=True)
        if email and "@" not in email:
            form.error("r_email", ctx.t("st.form.email"))
        fields = {
            "site": forms.text(form, "r_site", ctx.t),
            "department": forms.text(form, "r_department", ctx.t),
            "mission": forms.text(form, "r_mission", ctx.t, limit=1000),
        }
        return save(
            ctx,
            form,
            "r_email",
            lambda s: people.add_referent(s, org_name(ctx), name, email, **fields),
            lambda f: people_page(ctx, f, 422),
            back(ctx),
            "st.notice.saved",
        )

    @page(
        "/strategy/people/feedback",
        permission="strategy.feedback",
        methods=("POST",),
        name="strategy.feedback_create",
    )
    async def feedback_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, people

        assert ctx.org is not None
        form = await posted(request)
        # A referent speaks for themself; managers may enter a referent's feedback received otherwise.
        email = (ctx.user.email if ctx.role == "referent" and ctx.user else None) or forms.text(
            form, "f_email", ctx.t, required=True
        )
        kind = forms.choice(form, "f_kind", people.FEEDBACK_KINDS, ctx.t)
        text = forms.text(form, "f_text", ctx.t, required=True, limit=2000)
        on = forms.day(form, "f_on", ctx.t, required=True)
        return save(
            ctx,
            form,
            "f_email",
            lambda s: people.log_feedback(s, org_name(ctx), email, text, kind or "", on or date.today()),
            lambda f: people_page(ctx, f, 422),
            back(ctx),
            "st.notice.saved",
        )

    @page(
        "/strategy/people/feedback/{feedback_id:int}",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.feedback_act",
    )
    async def feedback_act(ctx: Ctx, request: Request, feedback_id: int) -> Response:
        """An entry creates an action (a title given) or adjusts one (an action chosen)."""
        from sobre.strategy import forms, people

        assert ctx.org is not None
        form = await posted(request)
        title = forms.text(form, f"a_title_{feedback_id}", ctx.t)
        action = str(form.value(f"a_action_{feedback_id}", "") or "")
        if not title and not action.isdigit():
            form.error(f"a_title_{feedback_id}", ctx.t("st.form.title_or_action"))

        def do(s: Any) -> Any:
            if title:
                return people.feedback_to_action(s, org_name(ctx), feedback_id, title)
            return people.feedback_adjusts(s, org_name(ctx), feedback_id, int(action))

        return save(
            ctx,
            form,
            f"a_title_{feedback_id}",
            do,
            lambda f: people_page(ctx, f, 422),
            back(ctx),
            "st.notice.saved",
        )
