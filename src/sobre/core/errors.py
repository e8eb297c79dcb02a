"""Errors a user can act on: each names where the problem is and how to fix it."""

from __future__ import annotations

from collections.abc import Mapping


class SobreError(Exception):
    """Base class for errors shown to users as a message, never as a traceback."""

    exit_code = 1


class NotFound(SobreError):
    pass


class InputError(SobreError):
    """Bad input: names the file, row, column and value at fault, and what was expected.

    A refusal with a message ``key`` (a gettext id, its ``{placeholders}`` filled from ``values``) can be
    shown in the reader's language (:meth:`reason`); ``str()`` stays the English wording, which the CLI
    prints and the logs keep."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        expected: str | None = None,
        key: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        self.file, self.row, self.column, self.value, self.expected = file, row, column, value, expected
        self.message, self.key, self.values = message, key, dict(values or {})
        parts = []
        if file:
            parts.append(str(file))
        if row is not None:
            parts.append(f"row {row}")
        if column:
            parts.append(f"column {column!r}")
        if value is not None:
            parts.append(f"value {str(value)[:80]!r}")
        where = ", ".join(parts)
        text = f"{where}: {message}" if where else message
        if expected:
            text += f" (expected: {expected})"
        super().__init__(text)

    @classmethod
    def keyed(
        cls,
        key: str,
        *,
        column: str | None = None,
        value: object = None,
        expected: str | None = None,
        **values: object,
    ) -> InputError:
        """A refusal worded by message ``key`` of the catalogues (English in ``str()``)."""
        from sobre.core import i18n

        return cls(
            i18n.t(key, "en", **values),
            column=column,
            value=value,
            expected=expected,
            key=key,
            values=values,
        )

    def reason(self, lang: str | None = None) -> str:
        """The refusal alone (without where it is), in ``lang`` when it has a message key."""
        if self.key is None:
            return self.message
        from sobre.core import i18n

        return i18n.t(self.key, lang, **self.values)
