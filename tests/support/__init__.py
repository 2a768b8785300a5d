"""Helpers for tests and benchmarks that run the site as real processes (never imported by the
site itself)."""
