"""Newcomer applications at /mitmachen, with double opt-in."""
