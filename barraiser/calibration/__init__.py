"""Inspection of the mechanism: the calibration report, its metrics and the actions it raises."""
