"""The demo organisation and the synthetic hiring histories used by the demo and the benchmarks."""
