"""Facts from what people bring: facts files, --fact options, pasted panel text; secrets kept out."""
