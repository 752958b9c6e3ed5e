"""Interview loops: panels, principle assignments, scheduling, and the rules of a valid loop."""
