"""Data protection: consent records, export, erasure, retention."""
