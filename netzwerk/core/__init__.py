"""Start page, health check, legal pages, error pages and template helpers."""
