"""Privacy: export and erasure of a candidate, assembled from what each slice contributes."""
