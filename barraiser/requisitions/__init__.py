"""Requisitions: roles to fill, their hiring manager and the principles their loops must cover."""
