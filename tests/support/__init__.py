"""Test support: real PostgreSQL servers and shared fixtures."""
