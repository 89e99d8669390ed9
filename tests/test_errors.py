"""errors.py: the one user-facing error names where the problem is and survives a process boundary."""

from __future__ import annotations

import pickle

from scripts.portal.errors import PortalError


def test_message_names_package_file_row_and_field():
    e = PortalError("not a number", package="p", file="data.csv", row=7, field="value")
    assert str(e) == "package p, file data.csv, row 7, field value: not a number"
    assert str(PortalError("plain")) == "plain"


def test_pickles_with_every_location():
    e = pickle.loads(pickle.dumps(PortalError("m", package="p", file="f", row=0, field="x")))
    assert (e.message, e.package, e.file, e.row, e.field) == ("m", "p", "f", 0, "x")
