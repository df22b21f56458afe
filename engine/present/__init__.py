"""Results for people and programs: texts rendered from templates, the document, the reporters."""
