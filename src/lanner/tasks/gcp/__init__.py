"""Google Cloud task types (``io.kestra.plugin.gcp.*``): GCS and BigQuery.

``auth`` holds the credentials and the cloud/local mode; ``localbucket`` the local stand-in for
GCS used in local mode (also read by BigQuery's local external tables); ``gcs_backend`` picks
where the GCS tasks go (local directory, emulator, Google Cloud Storage)."""
