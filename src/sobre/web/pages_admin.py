"""Installation administration: organisations, accounts, memberships, the whole audit log, the table."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form as F
from fastapi.responses import Response

from sobre.core.errors import InputError, SobreError
from sobre.orgs import service as orgs
from sobre.web import security, service
from sobre.web.context import Ctx
from sobre.web.forms import Form
from sobre.web.pages_org import audit_entry_page, audit_export, audit_page
from sobre.web.permissions import INSTALLATION_ADMIN, ROLES, SIGNED_IN
from sobre.web.registry import CapabilityRegistry


def _optional_int(form: Form, name: str, value: str, message: str) -> int | None:
    if not value.strip():
        return None
    try:
        number = int(value)
        if number < 0:
            raise ValueError
        return number
    except ValueError:
        form.error(name, message)
        return None


def register(registry: CapabilityRegistry) -> None:
    def page(path: str, **kw):  # type: ignore[no-untyped-def]
        return registry.page(path, permission=kw.pop("permission", INSTALLATION_ADMIN), org=False, **kw)

    # --- organisations --------------------------------------------------------------------------------

    def orgs_page(ctx: Ctx, form: Form | None = None, status: int = 200) -> Response:
        with ctx.session() as s:
            rows = orgs.list_all(s)
            counts = service.member_counts(s)
        return ctx.render(
            "web/admin/orgs.html", status, rows=rows, counts=counts, form=form or Form({"join": "1"})
        )

    @page("/admin/orgs", name="web.admin_orgs")
    def admin_orgs(ctx: Ctx) -> Response:
        return orgs_page(ctx)

    @page("/admin/orgs", methods=("POST",), name="web.admin_org_create")
    def admin_org_create(
        ctx: Ctx,
        name: Annotated[str, F()] = "",
        employees: Annotated[str, F()] = "",
        inhabitants: Annotated[str, F()] = "",
        country: Annotated[str, F()] = "",
        join: Annotated[str, F()] = "",
    ) -> Response:
        assert ctx.user is not None
        form = Form(
            {
                "name": name,
                "employees": employees,
                "inhabitants": inhabitants,
                "country": country,
                "join": join,
            }
        )
        if not name.strip():
            form.error("name", ctx.t("web.form.required"))
        staff = _optional_int(form, "employees", employees, ctx.t("web.form.whole_number"))
        people = _optional_int(form, "inhabitants", inhabitants, ctx.t("web.form.whole_number"))
        code = None
        if country.strip():
            from sobre.core.countries import to_code

            code = to_code(country)
            if code is None:
                form.error("country", ctx.t("web.admin.unknown_country"))
        if form.ok:
            with ctx.write_session() as s:
                try:
                    org = orgs.create(s, name, employees=staff, inhabitants=people, country=code)
                except SobreError:
                    form.error("name", ctx.t("web.admin.org_exists"))
                else:
                    if join:
                        service.grant(s, service.user_by_id(s, ctx.user.id), org.id, "admin")
        if not form.ok:
            return orgs_page(ctx, form, 422)
        return ctx.redirect("/admin/orgs", notice="web.notice.org_created")

    # --- accounts -------------------------------------------------------------------------------------

    def users_page(
        ctx: Ctx, form: Form | None = None, status: int = 200, created: tuple[str, str] | None = None
    ) -> Response:
        with ctx.session() as s:
            rows = [(u, len(service.memberships(s, u.id))) for u in service.list_users(s)]
        return ctx.render("web/admin/users.html", status, rows=rows, form=form or Form(), created=created)

    @page("/admin/users", name="web.admin_users")
    def admin_users(ctx: Ctx) -> Response:
        return users_page(ctx)

    @page("/admin/users", methods=("POST",), name="web.admin_user_create")
    def admin_user_create(
        ctx: Ctx,
        email: Annotated[str, F()] = "",
        name: Annotated[str, F()] = "",
        is_admin: Annotated[str, F()] = "",
    ) -> Response:
        form = Form({"email": email, "name": name, "is_admin": is_admin})
        password = security.random_password()
        with ctx.write_session() as s:
            try:
                user = service.create_user(s, email, password, name=name, is_admin=bool(is_admin))
            except InputError:
                form.error("email", ctx.t("web.admin.bad_email"))
            except SobreError:
                form.error("email", ctx.t("web.admin.user_exists"))
            else:
                email = user.email
        if not form.ok:
            return users_page(ctx, form, 422)
        return users_page(ctx, created=(email, password))

    def user_page(
        ctx: Ctx, user_id: int, form: Form | None = None, status: int = 200, password: str | None = None
    ) -> Response:
        with ctx.session() as s:
            user = service.user_by_id(s, user_id)
            roles = service.memberships(s, user_id)
            all_orgs = [(o.id, o.name) for o in orgs.list_all(s)]
        return ctx.render(
            "web/admin/user.html",
            status,
            account=user,
            roles=roles,
            all_orgs=all_orgs,
            role_names=ROLES,
            form=form or Form({"role": "viewer"}),
            password=password,
        )

    @page("/admin/users/{user_id}", name="web.admin_user")
    def admin_user(ctx: Ctx, user_id: int) -> Response:
        return user_page(ctx, user_id)

    @page("/admin/users/{user_id}/grant", methods=("POST",), name="web.admin_user_grant")
    def admin_user_grant(
        ctx: Ctx, user_id: int, org_id: Annotated[str, F()] = "", role: Annotated[str, F()] = ""
    ) -> Response:
        form = Form({"org_id": org_id, "role": role})
        if role not in ROLES:
            form.error("role", ctx.t("web.form.choose"))
        with ctx.write_session() as s:
            user = service.user_by_id(s, user_id)
            try:
                target = int(org_id)
                if form.ok:
                    service.grant(s, user, target, role)
            except (ValueError, SobreError):
                form.error("org_id", ctx.t("web.form.choose"))
        if not form.ok:
            return user_page(ctx, user_id, form, 422)
        return ctx.redirect(f"/admin/users/{user_id}", notice="web.notice.role_granted")

    @page("/admin/users/{user_id}/revoke", methods=("POST",), name="web.admin_user_revoke")
    def admin_user_revoke(ctx: Ctx, user_id: int, org_id: Annotated[int, F()] = 0) -> Response:
        with ctx.write_session() as s:
            service.revoke(s, service.user_by_id(s, user_id), org_id)
        return ctx.redirect(f"/admin/users/{user_id}", notice="web.notice.role_revoked")

    @page("/admin/users/{user_id}/password", methods=("POST",), name="web.admin_user_password")
    def admin_user_password(ctx: Ctx, user_id: int) -> Response:
        password = security.random_password()
        with ctx.write_session() as s:
            service.set_password(s, service.user_by_id(s, user_id), password)
        return user_page(ctx, user_id, password=password)

    @page("/admin/users/{user_id}/active", methods=("POST",), name="web.admin_user_active")
    def admin_user_active(ctx: Ctx, user_id: int, active: Annotated[str, F()] = "") -> Response:
        assert ctx.user is not None
        if user_id == ctx.user.id:
            return user_page(ctx, user_id, Form(errors={"active": ctx.t("web.members.not_yourself")}), 422)
        with ctx.write_session() as s:
            service.set_active(s, service.user_by_id(s, user_id), active == "1")
        return ctx.redirect(f"/admin/users/{user_id}", notice="web.notice.saved")

    # --- the whole audit log and the permission table ------------------------------------------------

    @page("/admin/audit", name="web.admin_audit")
    def admin_audit(ctx: Ctx, page: int = 1) -> Response:
        return audit_page(
            ctx,
            org_id=None,
            all_orgs=True,
            export_route="web.admin_audit_export",
            entry_route="web.admin_audit_entry",
            page=page,
        )

    @page("/admin/audit/{entry_id:int}", name="web.admin_audit_entry")
    def admin_audit_entry(ctx: Ctx, entry_id: int) -> Response:
        return audit_entry_page(ctx, entry_id, org_id=None, all_orgs=True, back="/admin/audit")

    @page("/admin/audit/export", name="web.admin_audit_export")
    def admin_audit_export(ctx: Ctx, format: str = "csv") -> Response:
        return audit_export(ctx, org_id=None, all_orgs=True, fmt=format)

    @page("/admin/permissions", permission=SIGNED_IN, name="web.permissions")
    def permissions(ctx: Ctx) -> Response:
        return ctx.render("web/admin/permissions.html", table=ctx.state.permissions.all(), roles=ROLES)
