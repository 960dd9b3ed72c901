"""Internal storage on GCS (``storage.type: gcs``) against the in-process GCS emulator: where
objects land, a missing bucket, and a whole flow whose files live only in the bucket."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.files.gcs import GcsFileStorage
from lanner.files.gcs_errors import GcsStorageError
from lanner.files.local import LocalFileStorage
from lanner.testing import local_runtime
from tests.conformance.test_conformance_files import gcs_client

BUCKET = "lanner-internal"


def test_object_names_mirror_the_local_backend_paths(emulator: str, tmp_path: Any) -> None:
    gcs_client(emulator).create_bucket(BUCKET)
    uri = "kestra:///company/team/_files/queries/daily%20report%20%C3%A9.sql"
    GcsFileStorage(BUCKET, prefix="prod", endpoint=emulator).put_bytes(uri, b"select 1")
    local = LocalFileStorage(tmp_path)
    local.put_bytes(uri, b"select 1")
    relative = local.local_path(uri).relative_to(tmp_path).as_posix()
    assert relative == "main/company/team/_files/queries/daily report é.sql"
    assert [b.name for b in gcs_client(emulator).list_blobs(BUCKET)] == [f"prod/{relative}"]


def test_a_missing_bucket_is_named_with_the_fix(emulator: str) -> None:
    storage = GcsFileStorage("no-such-bucket", endpoint=emulator)
    with pytest.raises(GcsStorageError, match=r"GCS bucket 'no-such-bucket' does not exist .*"
                                              r"gcloud storage buckets create gs://no-such-bucket"):
        storage.put_bytes("kestra:///a/b.txt", b"x")
    with pytest.raises(GcsStorageError, match="no-such-bucket' does not exist"):
        storage.list("kestra:///a")
    assert storage.exists("kestra:///a/b.txt") is False


FLOW = """
id: gcs_storage
namespace: company.team
tasks:
  - id: write
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    outputFiles:
      - report.csv
    commands:
      - printf 'id,fare\\n1,2.5\\n' > report.csv
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.write.outputFiles['report.csv']) }}"
"""


def test_a_flow_writes_a_file_to_the_bucket_and_a_later_task_reads_it(emulator: str) -> None:
    gcs_client(emulator).create_bucket(BUCKET)
    config = {"storage": {"type": "gcs", "gcs": {"bucket": BUCKET, "prefix": "lanner"}}}
    with local_runtime(config=config) as local:
        assert isinstance(local.services.files, GcsFileStorage)
        final = local.wait(local.start(local.runtime.deploy(FLOW)).id, 60)
        storage_dir_files = list((local.services.settings.home / "storage").rglob("*"))

    assert final.state.current.value == "SUCCESS", [t.state.current for t in final.task_runs]
    runs = {run.task_id: run for run in final.task_runs}
    assert runs["show"].outputs == {"value": "id,fare\n1,2.5\n"}
    uri = runs["write"].outputs["outputFiles"]["report.csv"]
    name = "lanner/main/" + uri.removeprefix("kestra:///")
    assert name.startswith(f"lanner/main/company/team/gcs-storage/executions/{final.id}/tasks/write/"
                           f"{runs['write'].id}/") and name.endswith("report.csv")
    blob = gcs_client(emulator).bucket(BUCKET).get_blob(name)
    assert blob is not None and blob.download_as_bytes() == b"id,fare\n1,2.5\n"
    assert storage_dir_files == []  # nothing went to the local storage folder
