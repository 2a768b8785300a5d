"""Helpers for tests and benchmarks that run the site as real processes (never imported by the
site itself): ``live_servers.Daphne`` is the one way the process tests, the browser tests and
``bench/`` start a server."""
