"""HTTP API and public register pages."""
