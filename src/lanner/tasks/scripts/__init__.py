"""Script task types (``io.kestra.plugin.scripts.*``) and task runners. Schemas only for now."""
