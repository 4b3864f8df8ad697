"""Print the README's settings table from the one typed Settings object.

    .venv/bin/python scripts/settings_table.py > /tmp/table.md

The table in README.md is this output; tests/fast/test_readme.py checks that every setting
is in it, so a new setting cannot be left undocumented.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.base.settings import PROJECT_ROOT, Settings


def rows() -> list[tuple[str, str, str]]:
    out = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if default is None:
            shown = "(unset)"
        elif isinstance(default, Path):
            shown = str(default).replace(str(PROJECT_ROOT), "<project>")
        else:
            shown = str(default)
        out.append((f"WEGWIJZER_{name.upper()}", shown, field.description or ""))
    return out


def main() -> None:
    print("| variable | default | meaning |")
    print("|---|---|---|")
    for variable, default, meaning in rows():
        print(f"| `{variable}` | `{default}` | {meaning} |")


if __name__ == "__main__":
    main()
