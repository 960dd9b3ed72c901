"""AI task types (``io.kestra.plugin.ai.*``): chat completion and RAG, on ``lanner.llm`` providers.

Lanner's configuration may redirect the providers declared in flows (``ai.providers.gemini.base-url``)
and swap every embedding model for the local one (``ai.embeddings: local``): see ``lanner.llm.api``.
"""
