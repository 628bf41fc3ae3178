"""The database file: private from birth, and a deleted or replaced file is noticed, never recreated."""

import os
import sqlite3
import stat

from bot.storage.store import Store


def test_a_new_database_is_created_readable_by_its_owner_only(tmp_path):
    Store(tmp_path / "bot.db")

    assert stat.S_IMODE(os.stat(tmp_path / "bot.db").st_mode) == 0o600


def test_an_intact_database_has_no_file_problem(fresh_store):
    assert fresh_store.file_problem() is None


def test_a_deleted_database_is_reported_and_not_recreated(fresh_store):
    os.unlink(fresh_store.path)

    problem = fresh_store.file_problem()

    assert problem == f"the database {fresh_store.path} was deleted while the bot was running"
    assert not os.path.exists(fresh_store.path)


def test_a_replaced_database_is_reported(fresh_store, tmp_path):
    impostor = tmp_path / "other.db"
    Store(impostor)
    os.replace(impostor, fresh_store.path)

    assert fresh_store.file_gone() == f"the database {fresh_store.path} was replaced while the bot was running"


def test_a_database_another_writer_holds_is_reported_not_writable(fresh_store):
    holder = sqlite3.connect(fresh_store.path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        problem = fresh_store.file_problem()
    finally:
        holder.rollback()
        holder.close()

    assert problem == f"the database {fresh_store.path} is not writable: database is locked"


def test_a_new_thread_does_not_recreate_a_deleted_database(fresh_store):
    import threading

    os.unlink(fresh_store.path)
    failures = []

    def use_store() -> None:
        try:
            fresh_store.db.execute("SELECT 1")
        except sqlite3.OperationalError as exc:
            failures.append(str(exc))

    thread = threading.Thread(target=use_store)
    thread.start()
    thread.join()

    assert failures == ["unable to open database file"]
    assert not os.path.exists(fresh_store.path)


def test_a_path_with_spaces_and_percent_signs_opens(tmp_path):
    store = Store(tmp_path / "my bot %20.db")

    assert store.file_problem() is None
