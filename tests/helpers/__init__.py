"""Builders and fixtures' parts shared by the tests (imported as helpers.<module>)."""
