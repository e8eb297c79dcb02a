"""Errors a user can act on: each names where the problem is and how to fix it."""

from __future__ import annotations


class SobreError(Exception):
    """Base class for errors shown to users as a message, never as a traceback."""

    exit_code = 1


class NotFound(SobreError):
    pass


class InputError(SobreError):
    """Bad input: names the file, row, column and value at fault, and what was expected."""

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
    ) -> None:
        self.file, self.row, self.column, self.value, self.expected = file, row, column, value, expected
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
