"""Google Cloud task types (``io.kestra.plugin.gcp.*``): GCS and BigQuery. Schemas only for now."""
