"""The Bar Raiser training pipeline: trainees, the loops they shadowed, and their mentors' notes."""
