"""Commands that talk to a Lanner server over its REST API (``--server``): deploy, executions,
backfill, kv, and remote runs (``run_remote``)."""
