"""Bundled knowledge base (YAML data; read with importlib.resources)."""
