"""Members (Fachkräfte), Berufsgruppen, Träger, schools and coverage."""
