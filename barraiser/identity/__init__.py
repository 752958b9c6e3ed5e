"""Single sign-on (OpenID Connect) and SCIM 2.0 provisioning."""
