"""Benchmarks of boilerkit against its peers (not part of the installed package)."""
