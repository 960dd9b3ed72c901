"""Trigger types (``io.kestra.plugin.core.trigger.*``): Schedule, Flow and Webhook."""
