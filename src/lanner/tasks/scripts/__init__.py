"""Script task types (``io.kestra.plugin.scripts.*``: python, shell, node) and task runners."""
