"""History: imports of past loops, so inspection has a baseline."""
