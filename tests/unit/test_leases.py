"""Run leases: a lease whose process is alive is live; once the process dies, it is orphaned."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lanner.runtime.leases import RunLease, live_executions, orphaned_executions

HOLDER = """
import sys, time
from pathlib import Path
from lanner.runtime.leases import RunLease
lease = RunLease(Path(sys.argv[1]))
lease.add("exec-a"); lease.add("exec-b")
print("ready", flush=True)
time.sleep(60)
"""


def test_live_then_orphaned_when_the_process_dies(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        mine = RunLease(tmp_path)
        mine.add("exec-mine")
        assert live_executions(tmp_path, own=mine) == {"exec-a", "exec-b"}
        with orphaned_executions(tmp_path, own=mine) as orphans:
            assert orphans == set()
        holder.kill()  # kill -9: no cleanup runs in the holder
        holder.wait(10)
        assert live_executions(tmp_path, own=mine) == set()
        with orphaned_executions(tmp_path, own=mine) as orphans:
            assert orphans == {"exec-a", "exec-b"}
            with orphaned_executions(tmp_path, own=mine) as again:  # held while being dealt with
                assert again == set()
        assert [p.name for p in tmp_path.glob("*.lease")] == [mine.path.name]
        mine.close()
        assert not list(tmp_path.iterdir())
    finally:
        holder.kill()
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
