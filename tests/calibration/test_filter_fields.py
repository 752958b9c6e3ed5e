"""The report's filter fields written out in Python stay the markup the `field` macro draws
through WTForms, whatever was typed, chosen or refused."""

from __future__ import annotations

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from barraiser.calibration.filter_fields import filter_field
from barraiser.calibration.forms import ALL_DEPARTMENTS, ALL_REQUISITIONS, ReportFilterForm

DEPARTMENTS = ["Payments", 'R&D "Labs" <west>', "O'Neill's"]
REQUISITIONS = [("7", "Senior Engineer · Payments (#7)"), ("12", "<b>Lead</b> & 'Co' (#12)")]


@pytest.mark.parametrize(
    "typed",
    [
        {},
        {"since": "2026-01-01", "until": "2026-03-02"},
        {"department": 'R&D "Labs" <west>', "requisition": "12"},
        {"department": "O'Neill's", "requisition": "7", "since": "2026-01-01"},
        {"since": "yesterday", "until": "2026-02-30"},
        {"since": "2026-03-01", "until": "2026-02-01"},
        {"since": "0001-01-01"},
        {"since": '"><script>', "department": "Nowhere", "requisition": "987654"},
        {"department": "", "requisition": ""},
    ],
)
def test_the_written_out_fields_are_the_macros(app, typed):
    form = ReportFilterForm(formdata=MultiDict(typed))
    form.department.choices = [ALL_DEPARTMENTS, *(SelectChoice(d, d) for d in DEPARTMENTS)]
    form.requisition.choices = [ALL_REQUISITIONS, *(SelectChoice(v, t) for v, t in REQUISITIONS)]
    form.validate()
    with app.test_request_context("/calibration"):
        for name in ("since", "until", "department", "requisition"):
            drawn = render_template_string(
                '{% from "macros.html" import field %}{{ field(f) }}', f=form[name]
            )
            assert filter_field(form[name]) == drawn, name
