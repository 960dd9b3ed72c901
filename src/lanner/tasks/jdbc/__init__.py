"""JDBC task types (``io.kestra.plugin.jdbc.*``): PostgreSQL, DuckDB, SQLite. Schemas only for now."""
