"""AI task types (``io.kestra.plugin.ai.*``): chat completion and RAG. Schemas only for now."""
