"""Mailing lists and the outbox that delivers every e-mail."""
