"""The small organisation of tests/organisation.py, for the notices' stories."""

from organisation import org  # noqa: F401
