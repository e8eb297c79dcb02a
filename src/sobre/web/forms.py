"""Form state for server-rendered forms: submitted values and field-level messages."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Form:
    """Values to show back in the fields and one message per field at fault (already translated)."""

    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors

    def value(self, name: str, default: object = "") -> object:
        return self.values.get(name, default)

    def number(
        self,
        name: str,
        t: Callable[..., str],
        *,
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
        required: bool = False,
    ) -> float | None:
        """The field's number (a decimal comma is accepted), or None when empty or wrong.

        A wrong value gets its message (``t`` translates: pass ``ctx.t``); empty is an error only when
        ``required``.  Integers come back as floats with no fraction (``int()`` them if needed).
        """
        raw = str(self.values.get(name, "") or "").strip().replace("\u202f", "").replace(" ", "")
        if not raw:
            if required:
                self.error(name, t("web.form.required"))
            return None
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or (integer and not number.is_integer()):
            self.error(name, t("web.form.whole_number" if integer else "web.form.number"))
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            bounds = ("−∞" if low is None else _bound(low), "∞" if high is None else _bound(high))
            self.error(name, t("web.form.between", low=bounds[0], high=bounds[1]))
            return None
        return number


def _bound(value: float) -> str:
    """A bound as people write it: 1 000 000, 0.5 (never 1e+06)."""
    return f"{value:,.0f}".replace(",", "\u202f") if float(value).is_integer() else f"{value:g}"
