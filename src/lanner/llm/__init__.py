"""LLM provider clients shared by the AI tasks and the copilot (see ``lanner.llm.api``)."""
