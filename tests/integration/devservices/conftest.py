import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A fresh folder for PostgreSQL data, outside pytest's ``tmp_path``.

    As root the server runs as the ``embedded_postgres`` user, who must traverse every folder above
    its data directory; pytest resets ``/tmp/pytest-of-root`` to 0700 each time any pytest session
    starts, which would pull the rug from under a server starting in ``tmp_path`` meanwhile.
    """
    folder = Path(tempfile.mkdtemp(prefix="lanner-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
