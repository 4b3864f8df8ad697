"""State that survives faults: a corrupt state database is moved aside and a fresh one started;
a data folder that is read-only, or missing and impossible to create, is named in one clear line.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import make_settings
from faultkit import PYTHON, env, read_only, run

from assistant import Turn
from assistant.base.errors import DataDirError
from assistant.channels.state import STATE_FILE, StateStore


def filled_state(folder: Path, conversations: int = 2000) -> Path:
    store = StateStore.in_data_dir(folder)
    for i in range(conversations):
        store.append_turn(f"conversation{i:05d}", Turn("Hoe werkt de SLIM-regeling? " * 10, "Zo. " * 40))
    store.close()  # the last connection checkpoints the WAL into the file
    return folder / STATE_FILE


def garbage(path: Path) -> None:
    path.write_bytes(b"dit is geen database " * 500)


def torn_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[8192:40960] = bytes(range(256)) * 128  # pages in the middle overwritten
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [garbage, torn_pages], ids=["not-a-database", "torn-pages"])
def test_a_corrupt_state_database_is_moved_aside_and_a_fresh_one_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage
):
    path = filled_state(tmp_path)
    damage(path)
    damaged = path.read_bytes()
    with caplog.at_level(logging.ERROR, logger="wegwijzer.state"):
        store = StateStore.in_data_dir(tmp_path)
    (aside,) = tmp_path.glob(f"{STATE_FILE}.corrupt-*")
    assert aside.read_bytes() == damaged  # kept for inspection, byte for byte
    (line,) = [r.getMessage() for r in caplog.records]
    assert f"state database {path} is corrupt" in line and f"moved aside to {aside}" in line
    assert store.stats()["conversations"] == 0
    store.append_turn("new", Turn("Wat is Codam?", "Een opleiding."))
    assert store.get_conversation("new")[0] == [Turn("Wat is Codam?", "Een opleiding.")]
    assert sqlite3.connect(path).execute("PRAGMA quick_check").fetchone() == ("ok",)


def test_a_sound_state_database_is_kept(tmp_path: Path):
    filled_state(tmp_path, conversations=3)
    assert StateStore.in_data_dir(tmp_path).stats()["conversations"] == 3
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_a_data_folder_that_cannot_be_created_is_named(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    data_dir = blocker / "data"
    from assistant.core.store import ChromaStore
    from ingest import run_ingest

    for open_it in (
        lambda: StateStore.in_data_dir(data_dir),
        lambda: ChromaStore(make_settings(data_dir)),
        lambda: run_ingest(make_settings(data_dir)),
    ):
        with pytest.raises(DataDirError, match=f"The data folder {data_dir} does not exist and cannot be created"):
            open_it()


READ_ONLY_CHECK = """
import sys
from pathlib import Path
from assistant.base.errors import DataDirError
from assistant.channels.state import StateStore
from assistant.core.store import ChromaStore
from assistant.base.settings import Settings
from ingest import run_ingest
data = Path(sys.argv[1])
settings = Settings(data_dir=data, embed_cache=Path(sys.argv[2]))
for name, open_it in [("state", lambda: StateStore.in_data_dir(data)), ("chroma", lambda: ChromaStore(settings)),
                      ("ingest", lambda: run_ingest(settings))]:
    try:
        open_it()
        print(name, "opened")
    except DataDirError as exc:
        print(name, exc)
"""


def test_a_read_only_data_folder_is_named(tmp_path: Path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    command = read_only([PYTHON, "-c", READ_ONLY_CHECK, str(data_dir), str(tmp_path / "cache.sqlite")], data_dir)
    done = run(command, env(data_dir))
    assert done.returncode == 0, done.stderr
    expected = f"The data folder {data_dir} is read-only: Wegwijzer needs to write there."
    assert done.stdout.splitlines() == [f"{name} {expected}" for name in ("state", "chroma", "ingest")]


@pytest.mark.parametrize("command", [["ingest"], ["ask", "Wat is Codam?"], ["serve", "--port", "8799"]])
def test_commands_on_a_read_only_data_folder_exit_2_naming_it(tmp_path: Path, command: list[str]):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    cli = read_only([PYTHON, "-m", "assistant.main", *command], data_dir)
    done = run(cli, env(data_dir, WEGWIJZER_EMBED_CACHE=str(tmp_path / "cache.sqlite")), timeout=120)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 2, lines[-5:]
    assert any(str(data_dir) in line and "read-only" in line for line in lines)
    assert not any("Traceback" in line for line in lines) and len(lines) <= 2, lines


def test_the_folder_check_needs_no_root(tmp_path: Path):
    """The check itself: ``os.access`` sees a read-only bind mount and, for others, file modes."""
    assert DataDirError.check(tmp_path / "new" / "data") == tmp_path / "new" / "data"
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir(mode=0o555)
        with pytest.raises(DataDirError, match="is read-only"):
            DataDirError.check(folder)
