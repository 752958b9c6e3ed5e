"""The report's filter fields (dates, department, requisition) written out in Python: the markup
the `field` macro (macros.html) draws through WTForms' widgets, for a fraction of its cost (the
requisitions alone are some forty options, each drawn by a widget through `html_params`). A test
keeps the two equal, error states included."""

from __future__ import annotations

from markupsafe import Markup
from wtforms import DateField, SelectField

from .table_markup import escaped


def filter_field(field: DateField | SelectField) -> Markup:
    """A date or a select of the filter form, labelled, with its help and errors tied to it."""
    described = []
    if field.errors:
        described.append(f"{field.id}-errors")
    if field.description:
        described.append(f"{field.id}-help")
    # The attributes in the order WTForms writes them (sorted by name).
    attributes = f'aria-describedby="{" ".join(described)}" ' if described else ""
    if field.errors:
        attributes += 'aria-invalid="true" '
    invalid = " is-invalid" if field.errors else ""
    if isinstance(field, SelectField):
        options = "".join(
            f'<option {"selected " if choice.selected else ""}value="{escaped(str(choice.value))}">'
            f"{escaped(str(choice.label or choice.value))}</option>"
            for choice in field.iter_choices()
        )
        control = (
            f'<select {attributes}class="form-select{invalid}" id="{field.id}" '
            f'name="{field.name}">{options}</select>'
        )
    else:
        control = (
            f'<input {attributes}class="form-control{invalid}" id="{field.id}" '
            f'name="{field.name}" type="date" value="{escaped(field._value())}">'
        )
    help_text = (
        f'<div id="{field.id}-help" class="form-text">{escaped(field.description)}</div>'
        if field.description
        else ""
    )
    errors = (
        f'<div id="{field.id}-errors" class="invalid-feedback d-block">'
        f"{escaped(' '.join(map(str, field.errors)))}</div>"
        if field.errors
        else ""
    )
    return Markup(
        f'\n<div class="mb-3">\n  <label class="form-label" for="{field.id}">'
        f"{escaped(field.label.text)}</label>\n  {control}\n  {help_text}\n  {errors}\n</div>"
    )
