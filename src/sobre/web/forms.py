"""Form state for server-rendered forms: submitted values and field-level messages."""

from __future__ import annotations

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
