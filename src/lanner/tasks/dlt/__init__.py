"""dlt (data load tool) inside Lanner: ``io.lanner.plugin.dlt.Pipeline`` (see ``pipeline.py``)."""
