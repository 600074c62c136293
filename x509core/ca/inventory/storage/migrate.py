"""Moving an inventory to another engine: ``x509core inventory migrate --to postgresql://…``.

The copy runs in one transaction of the target: every table in key order (``schema.TABLES``),
streamed from the source in batches, then read back inside the same transaction and compared
with the source row by row, column by column. Any difference, error or interruption rolls the
whole copy back, so the target is left empty again. The source is only read: a failed
migration leaves it exactly as it was (and the CA keeps using it). The target must be a new,
empty inventory of the same schema version; the CA's directory records the new URL only after
the copy has committed (``x509core/ca/inventory/__init__.py``), and the CLI then has the target
vacuum and analyse its tables (``vacuum_analyze``, which needs no transaction around it), so a
failed vacuum never touches the migration.
"""

from __future__ import annotations

from dataclasses import dataclass

from x509core.ca.inventory.storage.schema import TABLES
from x509core.errors import InvalidValue

__all__ = ["migrate", "MigrationReport"]

_BATCH = 1000


@dataclass(frozen=True)
class MigrationReport:
    """Rows copied and checked, per table."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _columns(tx, table: str) -> list[str]:
    return [d[0] for d in tx.execute(f"SELECT * FROM {table} LIMIT 0").description]


def _check_empty(target) -> None:
    def work(tx):
        for table in TABLES:
            if tx.one(f"SELECT COUNT(*) FROM {table}")[0]:
                raise InvalidValue(f"the target inventory {target.location} is not empty "
                                   f"({table} has rows); migrate into a new database")
    target.run(work, write=False)


def _batches(rows):
    batch = []
    for row in rows:
        batch.append(tuple(row))
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy_table(source_tx, target_tx, table: str, columns: list[str]) -> int:
    order = TABLES[table]
    insert = (f"INSERT INTO {table} ({', '.join(columns)}) "
              f"VALUES ({', '.join('?' * len(columns))})")
    count = 0
    for batch in _batches(source_tx.stream(f"SELECT {', '.join(columns)} FROM {table} "
                                           f"ORDER BY {order}")):
        target_tx.execute_many(insert, batch)
        count += len(batch)
    return count


def _compare_table(source_tx, target_tx, table: str, columns: list[str]) -> None:
    select = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {TABLES[table]}"
    theirs = target_tx.stream(select)
    for number, mine in enumerate(source_tx.stream(select), 1):
        other = next(theirs, None)
        if other is None or tuple(other) != tuple(mine):
            raise InvalidValue(f"migration check failed: {table} row {number} differs in the "
                               "target; nothing was migrated")
    if next(theirs, None) is not None:
        raise InvalidValue(f"migration check failed: {table} has extra rows in the target")


def migrate(source, target) -> MigrationReport:
    """Copy ``source`` into the empty ``target`` and check it row by row (module docstring)."""
    if source.schema_version_now() != target.schema_version_now():
        raise InvalidValue("source and target have different schema versions")
    _check_empty(target)
    rows: dict[str, int] = {}

    def copy(target_tx):
        def read(source_tx):
            for table in TABLES:
                columns = _columns(source_tx, table)
                rows[table] = _copy_table(source_tx, target_tx, table, columns)
            target.after_copy(target_tx)
            for table in TABLES:
                _compare_table(source_tx, target_tx, table, _columns(source_tx, table))
        source.run(read, write=False)
    target.run(copy)
    return MigrationReport(rows)
