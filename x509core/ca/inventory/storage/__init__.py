"""How the inventory is stored: the DB-API machinery both engines share (base), the
SQLite and PostgreSQL engines, the versioned schema and its migrations, the first
layout's upgrade (legacy), and moving an inventory to another engine (migrate)."""

__all__: list[str] = []
