"""The mechanism settings form, one field per field of `MechanismSettings`: a switch for a yes/no
setting, a number box bounded as the setting is for a number. The same check runs again when the
settings value is built, so the form cannot accept what the settings refuse."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, FloatField, IntegerField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from ..zones import zone_names
from .mechanism import SETTINGS, Setting, SettingError


class WithinSetting:
    """A number the setting can take, or one message saying which: the same message whether the
    box was empty, held no number or a number out of bounds (`Enter a number from 0 to 1.`)."""

    def __init__(self, setting: Setting) -> None:
        self.setting = setting
        self.message = f"Enter {setting.expected}."
        bounds = {"min": setting.minimum, "max": setting.maximum}
        self.field_flags = {"required": True} | {k: v for k, v in bounds.items() if v is not None}

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.process_errors:  # not a number: the field's own message already says this
            raise StopValidation()
        if not field.raw_data or not field.raw_data[0].strip():
            raise StopValidation(self.message)
        try:
            self.setting.check(field.data)
        except SettingError as error:
            raise StopValidation(self.message) from error


def _zone_choices() -> list[SelectChoice]:
    # Called when a form is made rather than when this module is imported: listing the system's
    # zones reads some 1,800 files (0.05 to 0.1 s), which start-up need not wait for.
    return [SelectChoice(name, name) for name in zone_names()]


def setting_field(setting: Setting) -> Any:
    """The form field for one setting, labelled and explained as the setting is."""
    if setting.kind is bool:
        return BooleanField(setting.label, description=setting.help)
    if setting.kind is str:
        return SelectField(
            setting.label,
            description=setting.help,
            choices=_zone_choices,
            validate_choice=False,  # WithinSetting says what is wrong, in the setting's words
            validators=[WithinSetting(setting)],
        )
    number_field = IntegerField if setting.kind is int else FloatField
    return number_field(
        setting.label,
        description=setting.help,
        validators=[WithinSetting(setting)],
        invalid_value_message=f"Enter {setting.expected}.",
    )


class ProfileForm(FlaskForm):
    """A person's own preferences: the time zone they read and enter times in."""

    time_zone = SelectField(
        "Your time zone",
        description="Times are shown and entered in it everywhere, and your emails and calendar "
        "invitations name it.",
        validate_choice=False,  # the service checks the name and says what is wrong
    )
    submit = SubmitField("Save")

    def set_choices(self, organisation_zone: str) -> None:
        self.time_zone.choices = [
            SelectChoice("", f"The organisation's ({organisation_zone})"),
            *(SelectChoice(name, name) for name in zone_names()),
        ]


SettingsForm: type[FlaskForm] = type(
    "SettingsForm",
    (FlaskForm,),
    {
        "__doc__": "Every mechanism setting, in the order MechanismSettings declares them.",
        **{key: setting_field(setting) for key, setting in SETTINGS.items()},
        "submit": SubmitField("Save settings"),
    },
)
