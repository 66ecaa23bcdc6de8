"""Benchmarks registered under `waspada bench`; they print their figures."""
