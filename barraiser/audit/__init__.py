"""The append-only audit log every state change writes to."""
