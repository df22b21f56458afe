"""The knowledge base made fast to evaluate, evaluated, and what an evaluation produces."""
