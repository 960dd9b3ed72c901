"""Flows as a model would write them, valid and invalid, for the copilot tests."""

from __future__ import annotations

VALID = """\
id: taxi_to_bigquery
namespace: company.team
tasks:
  - id: extract
    type: io.kestra.plugin.core.http.Download
    uri: https://example.com/yellow_tripdata_2019-01.csv
  - id: load
    type: io.kestra.plugin.gcp.bigquery.Load
    from: "{{ outputs.extract.uri }}"
    destinationTable: my-project.zoomcamp.yellow_tripdata
    format: CSV
"""

UNKNOWN_PROPERTY = VALID.replace("    format: CSV\n", "    fileFormat: CSV\n")
WRONG_TYPE = VALID.replace("io.kestra.plugin.gcp.bigquery.Load", "io.kestra.plugin.gcp.bigquery.LoadCsv")
BAD_INDENTATION = VALID.replace("    uri: https", "      uri: https").replace("  - id: load", "   - id: load")


def fenced(flow: str, explanation: str = "This flow downloads the file and loads it into BigQuery.") -> str:
    return f"Here is the flow:\n\n```yaml\n{flow}```\n\n{explanation}"
