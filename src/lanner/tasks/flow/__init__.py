"""Flowable task types (``io.kestra.plugin.core.flow.*``): they plan children, never run on a worker."""
