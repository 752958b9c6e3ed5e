"""Structured feedback: drafts, submit-and-lock, addenda, independence, deadlines, reminders."""
