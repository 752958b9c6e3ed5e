"""The SCIM discovery documents (RFC 7644 §4, RFC 7643 §5–7): what this service provider
supports, its one resource type, and the attributes of User it keeps."""

from __future__ import annotations

from typing import Any

from flask import url_for

from .scim_schema import ENTERPRISE_SCHEMA, MAX_PAGE, USER_SCHEMA

CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def service_provider_config() -> dict[str, Any]:
    return {
        "schemas": [CONFIG_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_PAGE},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A token an admin creates on Bar Raiser's single sign-on page.",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": url_for("scim.provider_config", _external=True),
        },
    }


def resource_types() -> list[dict[str, Any]]:
    return [
        {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person who may sign in to Bar Raiser",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": False}],
            "meta": {
                "resourceType": "ResourceType",
                "location": url_for("scim.resource_type_list", _external=True) + "/User",
            },
        }
    ]


def _attribute(
    name: str,
    *,
    kind: str = "string",
    required: bool = False,
    multi: bool = False,
    unique: str = "none",
    sub: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "required": required,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": unique,
    }
    if kind == "string":
        attribute["caseExact"] = False
    if sub:
        attribute["subAttributes"] = sub
    return attribute


def schemas() -> list[dict[str, Any]]:
    user: dict[str, Any] = {
        "schemas": [SCHEMA_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "userName is the person's email address, which they sign in with.",
        "attributes": [
            _attribute("userName", required=True, unique="server"),
            _attribute(
                "name",
                kind="complex",
                sub=[_attribute(n) for n in ("formatted", "givenName", "familyName")],
            ),
            _attribute("displayName"),
            _attribute(
                "emails",
                kind="complex",
                multi=True,
                sub=[
                    _attribute("value"),
                    _attribute("type"),
                    _attribute("primary", kind="boolean"),
                ],
            ),
            _attribute("active", kind="boolean"),
        ],
    }
    enterprise: dict[str, Any] = {
        "schemas": [SCHEMA_SCHEMA],
        "id": ENTERPRISE_SCHEMA,
        "name": "EnterpriseUser",
        "description": "The department, which loop rules read (a Bar Raiser from outside it).",
        "attributes": [_attribute("department")],
    }
    for document in (user, enterprise):
        document["meta"] = {
            "resourceType": "Schema",
            "location": url_for("scim.schema_list", _external=True) + "/" + str(document["id"]),
        }
    return [user, enterprise]
