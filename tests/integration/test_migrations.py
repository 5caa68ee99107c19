from sqlalchemy import inspect

from store.db import make_engine
from store.migrate import current_revision, upgrade


def test_upgrade_when_database_empty_then_tables_and_indexes_exist(db_url: str) -> None:
    engine = make_engine(db_url)
    inspector = inspect(engine)
    assert {"instruments", "snapshots"} <= set(inspector.get_table_names())
    index_names = {ix["name"] for ix in inspector.get_indexes("snapshots")}
    assert "ix_snapshots_symbol_as_of" in index_names
    engine.dispose()


def test_upgrade_when_run_twice_then_stays_at_head(db_url: str) -> None:
    before = current_revision(db_url)
    upgrade(db_url)
    assert current_revision(db_url) == before is not None


def test_migrations_when_at_head_then_schema_matches_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import store.models  # noqa: F401  (registers every table)

    engine = make_engine(db_url)
    with engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert drift == []
