"""Diagnostica engine: knowledge base loading, evaluation and rendering."""
