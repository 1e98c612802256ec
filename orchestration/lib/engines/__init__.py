"""The models on engines other than DuckDB: loading the landed tables there, and checking that
the marts built there equal DuckDB's row for row (`python -m orchestration.lib.engines`)."""
