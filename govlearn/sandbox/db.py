"""Storage: one SQLAlchemy engine per sandbox process, SQLite or PostgreSQL.

Every table that belongs to a learner has a ``workspace_id`` column; resetting
a workspace deletes its rows from every such table.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.schema import CreateColumn

__all__ = ["Base", "Database", "normalise_url", "upgrade_step", "utcnow"]

log = logging.getLogger("govlearn")


class Base(DeclarativeBase):
    """Declarative base of every sandbox table."""


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def normalise_url(url: str) -> str:
    """Choose the psycopg 3 driver for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


Upgrade = Callable[[Connection], None]
_upgrades: list[Upgrade] = []


def upgrade_step(step: Upgrade) -> Upgrade:
    """Register ``step`` to bring rows stored by an earlier version up to date.

    Steps run at every start-up, after missing columns are added and before
    missing indexes are, so they must do nothing when there is nothing to do.
    """
    _upgrades.append(step)
    return step


def _add_missing_columns(connection: Connection) -> None:
    """Add the columns that tables made by an earlier GovLearn version lack.

    Every column added since a table was first released has a server default,
    so stored rows get a value.
    """
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    for table in Base.metadata.sorted_tables:
        if table.name not in present:
            continue
        stored = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in stored:
                continue
            definition = CreateColumn(column).compile(dialect=connection.dialect)
            log.info("Adding the column %s to %s", column.name, table.name)
            connection.exec_driver_sql(
                f"ALTER TABLE {table.name} ADD COLUMN {definition}"
            )


class NulInText(ValueError):
    """Text holding a NUL character, refused on SQLite as PostgreSQL refuses it."""


def _holds_nul(parameters: object) -> bool:
    """Whether a statement's parameters (one set or many) hold a NUL in text."""
    if isinstance(parameters, str):
        return "\x00" in parameters
    if isinstance(parameters, dict):
        parameters = parameters.values()
    elif not isinstance(parameters, list | tuple):
        return False
    return any(map(_holds_nul, parameters))


def _refuse_nul(  # type: ignore[no-untyped-def]
    _connection, _cursor, statement, parameters, _context, _executemany
) -> None:
    """Refuse NUL characters in text on SQLite too, so both databases agree."""
    if _holds_nul(parameters):
        raise DataError(
            statement,
            parameters,
            NulInText("text fields cannot contain NUL (0x00) bytes"),
        )


def _index_names(connection: Connection) -> set[str]:
    """Names of the indexes in the database (expression indexes included)."""
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    return {str(name) for (name,) in connection.exec_driver_sql(query)}


def _add_missing_indexes(connection: Connection) -> None:
    """Create indexes that tables made by an earlier GovLearn version lack.

    A unique index the stored rows already break is left out, with a
    warning: the sandbox still starts, and its checks before each write
    keep refusing new duplicates.
    """
    present = _index_names(connection)
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            if index.name in present:
                continue
            try:
                with connection.begin_nested():
                    index.create(connection)
            except IntegrityError:
                log.warning(
                    "Could not add the unique index %s to %s: rows already "
                    "stored break it. Remove the duplicates, then restart.",
                    index.name,
                    table.name,
                )


class Database:
    """The engine and session factory of one sandbox process."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(
                    parents=True, exist_ok=True
                )
            self.engine: Engine = create_engine(
                self.url,
                connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=20,
                max_overflow=40,
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "before_cursor_execute", _refuse_nul)
        else:
            self.engine = create_engine(
                self.url, pool_size=10, max_overflow=30, pool_pre_ping=True
            )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_tables(self) -> None:
        """Create every table that is missing and bring older ones up to date.

        Tables are never dropped: an older table gets its missing columns,
        the upgrade steps and its missing indexes.

        On PostgreSQL an advisory lock keeps replicas that start together
        from racing each other.
        """
        with self.engine.begin() as connection:
            if not self.is_sqlite:
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(726371)")
            Base.metadata.create_all(connection)
            _add_missing_columns(connection)
            for step in _upgrades:
                step(connection)
            _add_missing_indexes(connection)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
