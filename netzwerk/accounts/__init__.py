"""Accounts, roles, login, password reset and invitations."""
