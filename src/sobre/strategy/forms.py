"""Form input of the strategy pages read into the use cases' arguments, with one message per field at fault.

Nothing here reads or writes the database: the pages call the use cases of :mod:`sobre.strategy.service`,
:mod:`sobre.strategy.steering` and :mod:`sobre.strategy.people`, as the CLI and the JSON API do."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sobre.core.errors import InputError
from sobre.strategy import scenarios, steering
from sobre.web.forms import Form

Translate = Callable[..., str]

#: Parameters of change kinds entered as names (a category, a site, VMs…); the others are numbers.
TEXT_PARAMS = frozenset({"category", *getattr(scenarios, "_TEXT", ("site",))})


#: The use cases name a field as the CLI does (``--due``): the form's field of that name.
_FIELD_OF = {
    "--due": "due_date",
    "--start": "start_date",
    "--level": "commitment_level",
    "--capex": "capex_eur",
    "--opex": "opex_eur",
    "--savings": "savings_eur",
    "--reduction": "reduction",
    "--target-year": "target_year",
    "--per": "per",
    "--unit": "unit",
    "--direction": "direction",
    "--by": "by",
    "--low": "low",
}


def field_of(exc: InputError, default: str) -> str:
    """The form field an InputError of a use case is about."""
    column = exc.column or ""
    return _FIELD_OF.get(column, column.lstrip("-").replace("-", "_") or default)


def reason(exc: InputError, t: Translate) -> str:
    """A use case's refusal in the page's language (by its message key; as worded when it has none)."""
    return t("st.form.refused", reason=t(exc.key, **exc.values) if exc.key else str(exc))


def refusal(form: Form, exc: InputError, default: str, t: Translate) -> Form:
    """Put a use case's refusal at its field."""
    form.error(field_of(exc, default), reason(exc, t))
    return form


def text(form: Form, name: str, t: Translate, *, required: bool = False, limit: int = 255) -> str:
    value = str(form.value(name, "") or "").strip()
    if required and not value:
        form.error(name, t("web.form.required"))
    elif len(value) > limit:
        form.error(name, t("st.form.too_long", limit=limit))
    return value


def choice(
    form: Form, name: str, allowed: tuple[str, ...], t: Translate, *, required: bool = True
) -> str | None:
    value = str(form.value(name, "") or "").strip()
    if not value:
        if required:
            form.error(name, t("web.form.required"))
        return None
    if value not in allowed:
        form.error(name, t("st.form.choice", allowed=", ".join(allowed)))
        return None
    return value


def day(form: Form, name: str, t: Translate, *, required: bool = False) -> date | None:
    value = str(form.value(name, "") or "").strip()
    if not value:
        if required:
            form.error(name, t("web.form.required"))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        form.error(name, t("st.form.date"))
        return None


# ------------------------------------------------------------------------------------------------ scenarios


def kind_fields(kind: str) -> list[dict[str, Any]]:
    """The fields of a change kind's form, read from :data:`sobre.strategy.scenarios.KINDS`."""
    required, optional = scenarios.KINDS[kind]
    return [
        {"name": name, "required": name in required, "numeric": name not in TEXT_PARAMS}
        for name in (*required, *optional)
    ]


def change_params(kind: str, values: Mapping[str, str]) -> dict[str, str]:
    """The submitted parameters of a change kind (empty ones left out, as the CLI leaves out options)."""
    out = {}
    for f in kind_fields(kind):
        raw = str(values.get(f["name"], "") or "").strip()
        if raw:
            # A decimal comma, and spaces between thousands, as French users type numbers.
            out[f["name"]] = (
                raw.replace(",", ".").replace("\u202f", "").replace(" ", "") if f["numeric"] else raw
            )
    return out


# ----------------------------------------------------------------------------------------------- objectives


def objective_fields(form: Form, t: Translate, criteria: tuple[str, ...]) -> dict[str, Any]:
    """The arguments of :func:`sobre.strategy.service.add_objective` from the form (errors in ``form``)."""
    title = text(form, "title", t, required=True)
    criterion = (
        choice(form, "criterion", criteria, t) if criteria else text(form, "criterion", t, required=True)
    )
    percent = form.number("reduction", t, low=0.1, high=99.9, required=True)
    baseline_year = form.number("baseline_year", t, low=1990, high=2100, integer=True, required=True)
    target_year = form.number("target_year", t, low=1990, high=2100, integer=True, required=True)
    per = choice(form, "per", ("total", "agent"), t) or "total"
    baseline_value = form.number("baseline_value", t, low=0)
    if baseline_year is not None and target_year is not None and target_year <= baseline_year:
        form.error("target_year", t("st.form.after_baseline"))
    return {
        "title": title,
        "criterion": criterion,
        "reduction": None if percent is None else percent / 100,
        "baseline_year": int(baseline_year or 0),
        "target_year": int(target_year or 0),
        "per": per,
        "baseline_value": baseline_value,
    }


# -------------------------------------------------------------------------------------------------- actions


def action_fields(form: Form, t: Translate) -> dict[str, Any]:
    """The fields of an action (item 3 of the plan: origin, costs, effort, horizon, owner, dates…)."""
    fields: dict[str, Any] = {
        "title": text(form, "title", t, required=True),
        "description": text(form, "description", t, limit=4000),
        "origin": choice(form, "origin", steering.ORIGINS, t) or "free",
        "origin_ref": text(form, "origin_ref", t) or None,
        "effort": choice(form, "effort", steering.EFFORTS, t),
        "horizon": choice(form, "horizon", steering.HORIZONS, t),
        "commitment_level": choice(form, "commitment_level", steering.LEVELS, t),
        "status": choice(form, "status", steering.STATUSES, t),
        "owner_role": text(form, "owner_role", t, limit=80) or None,
        "stakeholders": text(form, "stakeholders", t, limit=1000),
        "start_date": day(form, "start_date", t),
        "due_date": day(form, "due_date", t),
        "kpis": [k.strip() for k in text(form, "kpis", t, limit=1000).split(",") if k.strip()],
    }
    for money in ("capex_eur", "opex_eur", "savings_eur"):
        fields[money] = form.number(money, t, low=0, high=1e12)
    start, due = fields["start_date"], fields["due_date"]
    if start and due and due < start:
        form.error("due_date", t("st.form.due_after_start"))
    return fields


def action_form(action: Mapping[str, Any]) -> Form:
    """An action's current values in its edit form."""
    values = {k: ("" if v is None else v) for k, v in action.items() if not isinstance(v, dict | list)}
    values["kpis"] = ", ".join(action.get("kpis") or [])
    return Form(values)


# ----------------------------------------------------------------------------------------------- indicators


def kpi_fields(form: Form, t: Translate, sources: tuple[str, ...]) -> dict[str, Any]:
    """The arguments of :func:`sobre.strategy.steering.define_kpi` from the form."""
    source = text(form, "source", t, required=True, limit=80) or "manual"
    base = source.split(":", 1)[0]
    if source != "manual" and base not in sources:
        form.error("source", t("st.form.choice", allowed=", ".join(("manual", *sources))))
    code = text(form, "code", t, required=True, limit=80)
    if code and not all(c.isalnum() or c in "_-." for c in code):
        form.error("code", t("st.form.code"))
    unit = text(form, "unit", t, limit=40) or None
    if source == "manual" and not unit:
        form.error("unit", t("st.form.unit_manual"))
    return {
        "code": code,
        "name": text(form, "name", t, required=True),
        "source": source,
        "unit": unit,
        "direction": choice(form, "direction", steering.DIRECTIONS, t, required=False),
        "definition": text(form, "definition", t, limit=4000),
        "baseline_value": form.number("baseline_value", t, low=-1e15, high=1e15),
        "baseline_date": day(form, "baseline_date", t),
        "target_value": form.number("target_value", t, low=-1e15, high=1e15),
        "target_date": day(form, "target_date", t),
    }


def measurement_fields(form: Form, t: Translate) -> dict[str, Any]:
    """A manual measurement: value (and its range), who and when."""
    value = form.number("value", t, low=-1e15, high=1e15, required=True)
    low = form.number("low", t, low=-1e15, high=1e15)
    high = form.number("high", t, low=-1e15, high=1e15)
    if value is not None and ((low is not None and low > value) or (high is not None and high < value)):
        form.error("low", t("st.form.range"))
    on = day(form, "on", t, required=True)
    if on and on > date.today():
        form.error("on", t("st.form.future"))
    return {
        "value": value,
        "low": low,
        "high": high,
        "on": on,
        "by": text(form, "by", t, required=True),
        "note": text(form, "note", t, limit=1000),
    }


# --------------------------------------------------------------------------------------------------- people


def people_list(raw: str) -> list[tuple[str, str]]:
    """Attendees typed one a line, ``person`` or ``person; department``."""
    out = []
    for line in raw.splitlines():
        person, _, department = line.partition(";")
        if person.strip():
            out.append((person.strip()[:255], department.strip()[:255]))
    return out
