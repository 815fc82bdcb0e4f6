"""A believable fictitious network for demos and benchmarks."""
