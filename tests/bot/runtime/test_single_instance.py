"""One bot per database, whichever path reaches the file."""

import os

import pytest

from bot.runtime.single_instance import AlreadyRunning, DatabaseLock, missing_database
from bot.storage.store import Store


@pytest.fixture
def held(tmp_path):
    Store(tmp_path / "bot.db")
    lock = DatabaseLock(tmp_path / "bot.db").acquire()
    yield tmp_path / "bot.db"
    lock.release()


def test_a_second_lock_through_a_symlink_is_refused_naming_the_holder(held, tmp_path):
    os.symlink(held, tmp_path / "alias.db")

    with pytest.raises(AlreadyRunning) as refused:
        DatabaseLock(tmp_path / "alias.db").acquire()

    assert str(refused.value) == (
        f"another sm-cost-bot (pid {os.getpid()}) is already running on {held};"
        " run exactly one bot per database (SMBOT_DB_PATH)"
    )


def test_a_second_lock_through_a_hard_link_is_refused(held, tmp_path):
    other_dir = tmp_path / "elsewhere"
    other_dir.mkdir()
    os.link(held, other_dir / "copy.db")

    with pytest.raises(AlreadyRunning):
        DatabaseLock(other_dir / "copy.db").acquire()


def test_a_released_lock_can_be_taken_again(tmp_path):
    Store(tmp_path / "bot.db")
    DatabaseLock(tmp_path / "bot.db").acquire().release()

    DatabaseLock(tmp_path / "bot.db").acquire().release()


def test_the_holder_note_is_private(held):
    assert os.stat(f"{held}.lock").st_mode & 0o777 == 0o600


def test_a_database_missing_after_a_bot_ran_on_it_must_not_be_recreated(tmp_path):
    Store(tmp_path / "bot.db")
    DatabaseLock(tmp_path / "bot.db").acquire().release()
    os.unlink(tmp_path / "bot.db")

    problem = missing_database(tmp_path / "bot.db")

    assert problem == (
        f"the database {tmp_path / 'bot.db'} is missing, but a bot ran on it before ({tmp_path / 'bot.db'}.lock exists);"
        f" restore the database, or delete {tmp_path / 'bot.db'}.lock to start with an empty one"
    )


def test_a_database_no_bot_ran_on_may_be_created(tmp_path):
    assert missing_database(tmp_path / "new.db") is None
