"""Candidates: the people being interviewed."""
