"""Development services: synthetic NYC taxi data, a local data server, a managed PostgreSQL 18.

Stand-ins for what the course's flows reach outside Lanner (GitHub releases, the ``pgdatabase``
container), so the flows run unchanged offline. See README.md for the contracts.
"""
