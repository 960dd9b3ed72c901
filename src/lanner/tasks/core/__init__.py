"""Core task types (``io.kestra.plugin.core.*``): one type per module, run by a worker.

Each class is a pydantic model whose fields are its schema; properties stay raw and are rendered
at run time through the ``RunContext`` (tasks import only ``lanner.plugins.api``).
"""
