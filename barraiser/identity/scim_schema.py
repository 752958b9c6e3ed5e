"""SCIM 2.0 (RFC 7643/7644) on the wire: reading User resources, filters and PATCH operations
from a client's JSON, and writing resources, lists and errors. Pure functions, no database; what
they read is checked here (types, lengths, text a database can hold), what it may do is checked
by provisioning."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MEDIA_TYPE = "application/scim+json"
MAX_PAGE = 200
MAX_START = 2**31 - 1

# Attributes of the User schema and its enterprise extension that Bar Raiser does not keep:
# clients (Entra ID, Okta) send them by default, so they are accepted and ignored.
IGNORED = frozenset(
    {
        "nickname",
        "profileurl",
        "title",
        "usertype",
        "preferredlanguage",
        "locale",
        "timezone",
        "phonenumbers",
        "addresses",
        "ims",
        "photos",
        "entitlements",
        "roles",
        "x509certificates",
        "password",
        "groups",
        "employeenumber",
        "costcenter",
        "organization",
        "division",
        "manager",
    }
)


class ScimError(Exception):
    """An RFC 7644 §3.12 error: HTTP status, scimType (for 400s) and a detail for people."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "schemas": [ERROR_SCHEMA],
            "status": str(self.status),
            "detail": self.detail,
        }
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def invalid(detail: str, scim_type: str = "invalidValue") -> ScimError:
    return ScimError(400, detail, scim_type)


@dataclass(frozen=True)
class UserAttributes:
    """What a SCIM User resource sets on a Bar Raiser user."""

    email: str
    name: str
    active: bool = True
    external_id: str | None = None
    department: str | None = None  # None: not given, left as it is


def read_json(raw: str) -> dict[str, Any]:
    """The request's JSON object; refuses anything else, and text a database cannot store."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise invalid(f"The body is not valid JSON: {error}", "invalidSyntax") from None
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object.", "invalidSyntax")
    _check_text(body)
    return body


def _check_text(value: Any, depth: int = 0) -> None:
    if depth > 20:
        raise invalid("The body is nested too deeply.", "invalidSyntax")
    if isinstance(value, str):
        if "\x00" in value:
            raise invalid("A value holds a NUL character, which no attribute accepts.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise invalid("A value holds characters that are not valid text.") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, depth + 1)
            _check_text(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_text(item, depth + 1)


def _text(value: Any, attribute: str, *, limit: int, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise invalid(f"{attribute} is required.")
        return None
    if not isinstance(value, str):
        raise invalid(f"{attribute} must be a string.")
    value = value.strip()
    if len(value) > limit:
        raise invalid(f"{attribute} is longer than {limit} characters.")
    return value


def _boolean(value: Any, attribute: str) -> bool:
    # Entra ID sends "True"/"False" as strings in PATCH operations.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid(f"{attribute} must be true or false.")


def _email(value: Any, attribute: str) -> str:
    email = _text(value, attribute, limit=254, required=True)
    assert email is not None
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
        raise invalid(f"{attribute} must be an email address; Bar Raiser signs people in by it.")
    return email.lower()


def _primary_email(emails: Any) -> str | None:
    if emails is None:
        return None
    if not isinstance(emails, list) or not all(isinstance(e, dict) for e in emails):
        raise invalid("emails must be a list of objects with a value.")
    chosen = next((e for e in emails if e.get("primary") is True), None) or next(
        (e for e in emails if e.get("type") == "work"), None
    )
    chosen = chosen or (emails[0] if emails else None)
    return _email(chosen.get("value"), "emails.value") if chosen else None


def _name_of(body: dict[str, Any], fallback: str) -> str:
    display = _text(body.get("displayName"), "displayName", limit=120)
    name = body.get("name")
    if name is not None and not isinstance(name, dict):
        raise invalid("name must be an object.")
    name = name or {}
    formatted = _text(name.get("formatted"), "name.formatted", limit=120)
    parts = [
        _text(name.get(part), f"name.{part}", limit=120) for part in ("givenName", "familyName")
    ]
    joined = " ".join(p for p in parts if p)[:120]
    return display or formatted or joined or fallback


def user_attributes(body: dict[str, Any]) -> UserAttributes:
    """A full User resource (POST, PUT)."""
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or USER_SCHEMA not in schemas:
        raise invalid(f"schemas must list {USER_SCHEMA}.", "invalidSyntax")
    # userName is the address people sign in with; emails only stands in when it is not one.
    user_name = _text(body.get("userName"), "userName", limit=254, required=True)
    assert user_name is not None
    email = user_name.lower() if "@" in user_name else _primary_email(body.get("emails"))
    if email is None:
        raise invalid("userName (or a work email) must be the person's email address.")
    email = _email(email, "userName")
    enterprise = body.get(ENTERPRISE_SCHEMA) or {}
    if not isinstance(enterprise, dict):
        raise invalid(f"{ENTERPRISE_SCHEMA} must be an object.")
    return UserAttributes(
        email=email,
        name=_name_of(body, email.split("@")[0]),
        active=_boolean(body.get("active", True), "active"),
        external_id=_text(body.get("externalId"), "externalId", limit=255),
        department=_text(enterprise.get("department"), "department", limit=120)
        if "department" in enterprise
        else None,
    )


def apply_patch(current: UserAttributes, body: dict[str, Any]) -> UserAttributes:
    """The user after a PatchOp request (RFC 7644 §3.5.2): add, replace and remove, with a path
    or (add, replace) with an object of attributes, as Entra ID and Okta send them."""
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or PATCH_SCHEMA not in schemas:
        raise invalid(f"schemas must list {PATCH_SCHEMA}.", "invalidSyntax")
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise invalid("Operations must be a non-empty list.", "invalidSyntax")
    state = _PatchState(current)
    for operation in operations:
        if not isinstance(operation, dict):
            raise invalid("Each operation must be an object.", "invalidSyntax")
        op = operation.get("op")
        if not isinstance(op, str) or op.lower() not in ("add", "replace", "remove"):
            raise invalid("op must be add, replace or remove.", "invalidSyntax")
        path = operation.get("path")
        if path is not None and not isinstance(path, str):
            raise invalid("path must be a string.", "invalidPath")
        if op.lower() == "remove":
            if path is None:
                raise ScimError(400, "remove needs a path.", "noTarget")
            state.remove(path)
        elif path is None:
            value = operation.get("value")
            if not isinstance(value, dict):
                raise invalid("Without a path, value must be an object of attributes.")
            for key, item in value.items():
                state.set(key, item)
        else:
            state.set(path, operation.get("value"))
    return state.result()


_EMAIL_PATHS = ('emails[type eq "work"].value', "emails[primary eq true].value", "emails.value")


class _PatchState:
    def __init__(self, current: UserAttributes) -> None:
        self.values = dataclasses.asdict(current)
        given, _, family = current.name.partition(" ")
        self.given, self.family = given, family
        self.display: str | None = None
        self.name_parts_changed = False

    def _key(self, path: str) -> str:
        path = path.strip()
        lowered = path.lower()
        for schema in (ENTERPRISE_SCHEMA, USER_SCHEMA):
            if lowered.startswith(schema.lower() + ":"):
                return path[len(schema) + 1 :].lower()
        return lowered

    def set(self, path: str, value: Any) -> None:
        if not isinstance(path, str):
            raise invalid("Attribute names must be strings.", "invalidPath")
        key = self._key(path)
        if key == ENTERPRISE_SCHEMA.lower():
            if not isinstance(value, dict):
                raise invalid(f"{ENTERPRISE_SCHEMA} must be an object.")
            for inner, item in value.items():
                self.set(f"{ENTERPRISE_SCHEMA}:{inner}", item)
        elif key == "active":
            self.values["active"] = _boolean(value, "active")
        elif key == "username":
            self.values["email"] = _email(value, "userName")
        elif key in [p.lower() for p in _EMAIL_PATHS]:
            self.values["email"] = _email(value, "emails.value")
        elif key == "emails":
            email = _primary_email(value)
            if email:
                self.values["email"] = email
        elif key == "externalid":
            self.values["external_id"] = _text(value, "externalId", limit=255)
        elif key == "department":
            self.values["department"] = _text(value, "department", limit=120) or ""
        elif key == "displayname":
            self.display = _text(value, "displayName", limit=120)
        elif key == "name":
            if not isinstance(value, dict):
                raise invalid("name must be an object.")
            for inner, item in value.items():
                self.set(f"name.{inner}", item)
        elif key in ("name.givenname", "name.familyname", "name.formatted"):
            text = _text(value, path, limit=120) or ""
            if key == "name.formatted":
                self.display = self.display or text or None
            elif key == "name.givenname":
                self.given, self.name_parts_changed = text, True
            else:
                self.family, self.name_parts_changed = text, True
        elif key.split(".")[0].split("[")[0] in IGNORED or key.startswith("name."):
            return
        else:
            raise invalid(f"Bar Raiser has no attribute {path!r}.", "invalidPath")

    def remove(self, path: str) -> None:
        key = self._key(path)
        if key == "externalid":
            self.values["external_id"] = None
        elif key == "department":
            self.values["department"] = ""
        elif key.split(".")[0].split("[")[0] in IGNORED or key.startswith("name."):
            return
        elif key in ("active", "username", "emails", "displayname"):
            raise ScimError(400, f"{path} cannot be removed.", "mutability")
        else:
            raise invalid(f"Bar Raiser has no attribute {path!r}.", "invalidPath")

    def result(self) -> UserAttributes:
        if self.display:
            self.values["name"] = self.display
        elif self.name_parts_changed:
            joined = " ".join(p for p in (self.given, self.family) if p)[:120]
            self.values["name"] = joined or self.values["name"]
        return UserAttributes(**self.values)


_FILTER = re.compile(r'^\s*([A-Za-z][\w:.\-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def read_filter(text: str) -> tuple[str, str]:
    """`userName eq "..."` (and externalId, emails.value, id) as (attribute, value)."""
    match = _FILTER.match(text)
    if not match:
        raise invalid(
            'Only filters of the form attribute eq "value" are supported.', "invalidFilter"
        )
    attribute = match.group(1).lower()
    if attribute.startswith(USER_SCHEMA.lower() + ":"):
        attribute = attribute[len(USER_SCHEMA) + 1 :]
    value = re.sub(r"\\(.)", r"\1", match.group(2))
    known = {"username": "userName", "externalid": "externalId", "emails.value": "email"}
    known.update({"emails": "email", "id": "id"})
    if attribute not in known:
        raise invalid(f"Users cannot be filtered by {match.group(1)}.", "invalidFilter")
    return known[attribute], value


def page_bounds(start_index: str | None, count: str | None) -> tuple[int, int]:
    """startIndex (1-based) and count, as RFC 7644 §3.4.2.4 reads them (too small is 1 and 0)."""
    try:
        start = int(start_index) if start_index not in (None, "") else 1
        size = int(count) if count not in (None, "") else MAX_PAGE
    except ValueError:
        raise invalid("startIndex and count must be whole numbers.") from None
    # Past the last row is an empty page, however far: the offset stays one a database can hold.
    return min(max(start, 1), MAX_START), min(max(size, 0), MAX_PAGE)
