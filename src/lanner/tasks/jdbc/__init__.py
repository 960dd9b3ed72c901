"""JDBC task types (``io.kestra.plugin.jdbc.*``): PostgreSQL (psycopg 3), DuckDB, SQLite.

Layout: ``postgresql.py`` / ``duckdb.py`` / ``sqlite.py`` hold the task types (their fields are
their schemas); ``_base.py`` the shared properties and the Query/Queries run; ``_session.py`` the
statement loop, transactions and fetch types (FETCH, FETCH_ONE, STORE as Ion, NONE); ``_pg.py``,
``_duck.py`` the driver sessions; ``pgcopy.py`` COPY in/out; ``sqltext.py`` statement splitting
and ``:name`` parameters; ``urls.py`` JDBC URLs and the ``hosts`` mapping.
"""
