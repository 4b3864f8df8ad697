"""The terminal commands as a newcomer meets them before anything is indexed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.base.settings import PROJECT_ROOT

WEGWIJZER = [sys.executable, "-m", "assistant.main"]


@pytest.mark.parametrize("command", [["chat"], ["ask", "Wat is Codam?"]])
def test_without_an_index_the_commands_say_what_to_do_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    env = os.environ | {
        "WEGWIJZER_DATA_DIR": str(tmp_path / "data"),
        "WEGWIJZER_EMBED_CACHE": str(PROJECT_ROOT / ".cache" / "embeddings.sqlite"),
        "WEGWIJZER_TELEGRAM_TOKEN": "",
        "WEGWIJZER_LLM_BASE_URL": "",
    }
    done = subprocess.run(
        [*WEGWIJZER, *command], cwd=PROJECT_ROOT, env=env, input="", capture_output=True, text=True, timeout=180
    )
    out = done.stdout + done.stderr
    assert done.returncode == 2, out[-2000:]
    assert "No documents are indexed yet" in out and "wegwijzer ingest" in out
    assert "Traceback" not in out
