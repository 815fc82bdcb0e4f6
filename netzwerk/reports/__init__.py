"""The coordinator's dashboard and the yearly report (Jahresbericht)."""
