"""The import page's form: the file, its format and (for an ATS export) the mapping file."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

FORMAT_CHOICES = [
    SelectChoice("csv", "Our history CSV"),
    SelectChoice("greenhouse", "Greenhouse Harvest scorecards (JSON)"),
    SelectChoice("lever", "Lever feedback (JSON)"),
]


class ImportForm(FlaskForm):
    source = SelectField("Format", choices=FORMAT_CHOICES, default="csv")
    file = FileField("History file", validators=[FileRequired("Choose the file to import.")])
    mapping = FileField(
        "Mapping file (JSON)",
        description="For Greenhouse and Lever: which principle, person and loop each name is.",
    )
    check = SubmitField("Check only")
    submit = SubmitField("Check and import")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        has_mapping = bool(self.mapping.data and getattr(self.mapping.data, "filename", ""))
        if self.source.data in ("greenhouse", "lever") and not has_mapping:
            self.mapping.errors = [*self.mapping.errors, "An ATS export needs its mapping file."]
            valid = False
        if self.source.data == "csv" and has_mapping:
            self.mapping.errors = [*self.mapping.errors, "A mapping file is for ATS exports only."]
            valid = False
        return valid
