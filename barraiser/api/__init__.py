"""The REST API under /api/v1 (OpenAPI 3), and the tokens that open it."""
