"""Netzwerk test suite."""
