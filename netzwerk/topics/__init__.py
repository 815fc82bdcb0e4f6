"""Topic suggestions for a coming Fachtag."""
