"""Runs ingests for the crash tests, each in a forked child that may SIGKILL itself.

The runner imports everything once, opens nothing (no Chroma client, no model, no threads:
``OPENBLAS_NUM_THREADS=1``), then reads one JSON job per line from stdin:
``{"data_dir": ..., "corpus_dir": ..., "kill_after": N}``. For each it forks a child that sets
``WEGWIJZER_FAULT_KILL_AFTER=N`` and runs :func:`ingest.run_ingest` over those folders (the
shared embedding cache from the environment); the child dies by SIGKILL right after its N-th
index write, or finishes. The runner answers one JSON line: ``{"killed": bool, "exit": code,
"report": {...} | null, "stderr": ...}``. A real process killed for real at each write step, for a fraction
of a fresh interpreter's start-up time.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.base.settings import Settings
from ingest.index import KILL_AFTER_ENV, run_ingest


def child(job: dict[str, object], out: Path) -> None:
    os.environ[KILL_AFTER_ENV] = str(job.get("kill_after") or "")
    settings = Settings(
        data_dir=Path(str(job["data_dir"])),
        corpus_dir=Path(str(job["corpus_dir"])),
        embed_cache=Path(os.environ["WEGWIJZER_EMBED_CACHE"]),
        llm_base_url=None,
        telegram_token=None,
    )
    report = run_ingest(settings)
    out.write_text(json.dumps(asdict(report)), encoding="utf-8")


def main() -> None:
    for line in sys.stdin:
        job = json.loads(line)
        fd, name = tempfile.mkstemp(suffix=".json")
        os.close(fd)
        out = Path(name)
        log_fd, log_name = tempfile.mkstemp(suffix=".log")
        pid = os.fork()
        if pid == 0:  # the child: ingest, then leave without running the parent's cleanup
            os.dup2(log_fd, 2)  # its last words (which write it was killed after) for the test
            code = 0
            try:
                child(job, out)
            except BaseException as exc:  # reported to the test as a non-zero exit
                print(f"ingest failed: {exc!r}", file=sys.stderr, flush=True)
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        os.close(log_fd)
        stderr = Path(log_name).read_text(encoding="utf-8", errors="replace")
        os.unlink(log_name)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        text = out.read_text(encoding="utf-8")
        out.unlink()
        result = {
            "killed": killed,
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1,
            "report": json.loads(text) if text else None,
            "stderr": stderr[-4000:],
        }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
