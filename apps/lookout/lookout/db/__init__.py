"""Lookout's PostgreSQL metadata database: connection, schema migrations, readiness."""
