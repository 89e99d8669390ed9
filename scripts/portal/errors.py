"""The one error type for user-facing failures (bad data, bad input, missing files)."""

from __future__ import annotations


class PortalError(Exception):
    """A problem the user must fix; printed without a traceback.

    It names where the problem is (package, file, row, field) as far as known.
    """

    def __init__(self, message: str, *, package: str | None = None, file: str | None = None,
                 row: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.package = package
        self.file = file
        self.row = row
        self.field = field

    def __reduce__(self):  # pickles (worker processes hand errors back to the build)
        return (_rebuild, (self.message, self.package, self.file, self.row, self.field))

    def where(self) -> str:
        parts = []
        if self.package:
            parts.append(f"package {self.package}")
        if self.file:
            parts.append(f"file {self.file}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


def _rebuild(message, package, file, row, field) -> PortalError:
    return PortalError(message, package=package, file=file, row=row, field=field)
