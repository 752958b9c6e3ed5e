"""The small organisation of tests/organisation.py, for this folder's tests."""

from organisation import error_of, org, panel_form  # noqa: F401
