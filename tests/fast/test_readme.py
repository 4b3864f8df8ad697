"""The README's settings table is generated from the Settings object and must stay complete."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.base.settings import PROJECT_ROOT

pytestmark = pytest.mark.fast


def test_every_setting_is_documented_in_the_readme() -> None:
    table = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "settings_table.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [line.split("`")[1] for line in table.splitlines()[2:] if line.split("`")[1] not in readme]
    assert missing == [], f"settings missing from README.md (run scripts/settings_table.py): {missing}"
