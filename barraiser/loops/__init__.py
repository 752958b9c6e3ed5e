"""Requisitions, candidates, interview loops, their panels and principle assignments."""
