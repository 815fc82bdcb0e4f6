"""Quality circles (Qualitätszirkel)."""
