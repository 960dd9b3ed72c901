"""``storage.type`` and ``storage.gcs``: defaults, Kestra's spelling, clear errors."""

from pathlib import Path

import pytest

from lanner.errors import ConfigurationError
from lanner.runtime.services import build_file_storage
from lanner.settings import Settings, load_settings


def _settings(tmp_path: Path, yaml: str, **env: str) -> Settings:
    return load_settings({"LANNER_HOME": str(tmp_path), "LANNER_CONFIGURATION": yaml, **env})


def test_local_storage_is_the_default(tmp_path: Path) -> None:
    from lanner.files.local import LocalFileStorage

    settings = load_settings({"LANNER_HOME": str(tmp_path)})
    assert settings.storage_type == "local"
    storage = build_file_storage(settings)
    assert isinstance(storage, LocalFileStorage) and storage.base_dir == tmp_path / "storage"


def test_kestra_spelling_of_gcs_storage(tmp_path: Path) -> None:
    from lanner.files.gcs import GcsFileStorage

    settings = _settings(tmp_path, "kestra:\n  storage:\n    type: gcs\n    gcs:\n      bucket: my-bucket\n"
                                   "      project-id: my-project\n      service-account: '{\"type\": 1}'\n"
                                   "      prefix: /lanner/prod/\n",
                         STORAGE_EMULATOR_HOST="http://127.0.0.1:9023")
    gcs = settings.gcs_storage
    assert (settings.storage_type, gcs.bucket, gcs.project_id, gcs.prefix, gcs.emulator_host) == (
        "gcs", "my-bucket", "my-project", "/lanner/prod/", "http://127.0.0.1:9023")
    assert "type" not in repr(gcs)  # the key is never shown
    storage = build_file_storage(settings)
    assert isinstance(storage, GcsFileStorage)
    name = storage.object_name("kestra:///company/team/_files/a b.sql")
    assert name == "lanner/prod/main/company/team/_files/a b.sql"


def test_a_key_written_as_yaml_is_taken_as_json(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "storage:\n  type: GCS\n  gcs:\n    bucket: b\n"
                                   "    serviceAccount: {type: service_account, project_id: p}\n")
    assert settings.gcs_storage.service_account == '{"type": "service_account", "project_id": "p"}'


def test_gcs_without_a_bucket_says_which_key_to_set(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "storage: {type: gcs, gcs: {project-id: p}}")
    with pytest.raises(ConfigurationError, match=r"storage.gcs.bucket is not set: add the bucket's name"):
        build_file_storage(settings)


@pytest.mark.parametrize("bucket", ["gs://my-bucket", "my-bucket/lanner"])
def test_a_bucket_with_a_scheme_or_folder_is_refused(tmp_path: Path, bucket: str) -> None:
    settings = _settings(tmp_path, f"storage: {{type: gcs, gcs: {{bucket: '{bucket}'}}}}")
    with pytest.raises(ConfigurationError, match=r"bare bucket name.*storage\.gcs\.prefix"):
        _ = settings.gcs_storage


def test_an_unknown_storage_type_lists_the_known_ones(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "storage: {type: s3}")
    with pytest.raises(ConfigurationError, match=r"storage\.type is 's3': expected one of local, gcs"):
        build_file_storage(settings)


def test_gcs_timeout_is_seconds(tmp_path: Path) -> None:
    quick = _settings(tmp_path, "storage: {type: gcs, gcs: {bucket: b, timeout: 5}}")
    assert quick.gcs_storage.timeout == 5.0
    assert _settings(tmp_path, "storage: {type: gcs, gcs: {bucket: b}}").gcs_storage.timeout == 60.0
    with pytest.raises(ConfigurationError, match=r"storage\.gcs\.timeout"):
        _ = _settings(tmp_path, "storage: {type: gcs, gcs: {bucket: b, timeout: soon}}").gcs_storage
