"""The candidate-experience survey: a single-use link by email after a loop is decided."""
