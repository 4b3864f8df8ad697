"""`wegwijzer serve` on a port that is taken: a clear message with the way out, exit code 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def test_serve_on_a_taken_port_says_so_and_exits_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJZER_")}
        env["WEGWIJZER_DATA_DIR"] = str(tmp_path / "data")
        done = subprocess.run(
            [str(Path(sys.executable).with_name("wegwijzer")), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"Port {port} on 127.0.0.1 is already in use (another Wegwijzer or another program)." in done.stderr
    assert "choose another port: `wegwijzer serve --port 8001`, `wegwijzer run --port 8001`" in done.stderr
    assert "Traceback" not in done.stderr and "Uvicorn running" not in done.stderr + done.stdout
