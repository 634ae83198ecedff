"""The server's database: engine and sessions, tables, migrations."""
