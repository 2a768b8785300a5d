"""The chat tests use the ``channel_layer`` fixture of tests/conftest.py."""
