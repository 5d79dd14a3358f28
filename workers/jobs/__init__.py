"""Thin job functions: they take ids and call services."""
