"""Outgoing messages (reminders, debrief notices): recorded first, then sent or logged."""
