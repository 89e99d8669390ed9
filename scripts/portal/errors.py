"""The one error type for user-facing failures (bad data, bad input, missing files)."""

from __future__ import annotations

import re

# Line breaks, other control characters and lone surrogates (unprintable in UTF-8) a quoted name or value could carry into the log: a
# package folder named "x\nERROR ..." must not forge a line of its own.
BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def one_line(text) -> str:
    """`text` with line breaks and control characters escaped (\\n, \\x1b, \\u2028)."""
    return BREAKS.sub(lambda m: ascii(m.group())[1:-1], str(text))


class PortalError(Exception):
    """A problem the user must fix; printed without a traceback.

    It names where the problem is (package, file, row, field) as far as known. Printed, each part
    of the location and the message are one line (one_line); only `lines=True` keeps the
    message's own line breaks (mkdocs's warnings, one per line), each following line indented.
    """

    def __init__(self, message: str, *, package: str | None = None, file: str | None = None,
                 row: int | None = None, field: str | None = None, lines: bool = False):
        super().__init__(message)
        self.lines = lines
        self.message = message
        self.package = package
        self.file = file
        self.row = row
        self.field = field

    def __reduce__(self):  # pickles (worker processes hand errors back to the build)
        return (_rebuild, (self.message, self.package, self.file, self.row, self.field, self.lines))

    def where(self) -> str:
        parts = []
        if self.package:
            parts.append(f"package {one_line(self.package)}")
        if self.file:
            parts.append(f"file {one_line(self.file)}")
        if self.row is not None:
            parts.append(f"row {one_line(self.row)}")
        if self.field:
            parts.append(f"field {one_line(self.field)}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        if self.lines:
            message = "\n  ".join(one_line(line) for line in str(self.message).splitlines())
        else:
            message = one_line(self.message)
        return f"{where}: {message}" if where else message


def _rebuild(message, package, file, row, field, lines=False) -> PortalError:
    return PortalError(message, package=package, file=file, row=row, field=field, lines=lines)
