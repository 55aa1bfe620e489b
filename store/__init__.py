"""The SQLite store: schema, migrations, queries and the alert outbox."""
