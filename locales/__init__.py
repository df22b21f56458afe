"""Bundled texts per language (YAML messages and Jinja templates)."""
