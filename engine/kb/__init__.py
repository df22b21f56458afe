"""The knowledge base read and checked: YAML, schema, fact catalogue, conditions, the rules' model."""
