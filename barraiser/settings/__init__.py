"""The mechanism's settings (feedback deadline, principle overlap, evidence), with history."""
