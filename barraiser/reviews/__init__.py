"""The committee's reviews of the mechanism: on a cadence, with frozen figures and a record."""
