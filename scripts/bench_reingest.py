"""Re-ingest under load (not a test): latency while the index switches, beside idle latency.

Starts the service (``wegwijzer serve``) on a copy of the corpus and of the index, asks
questions at ``--rate`` per second (spread out, as real users arrive) for ``--duration``
seconds idle, then again while ``/admin/reingest`` rebuilds the index after a document changed,
and prints side by side: answers, errors, p50/p95/p99 idle and during the re-ingest, their
ratio (the faults issue's target: p95 during ≤ 2 × idle), and how many answers each index
generation served (an answer names the one generation it read: ``index_generation``).

    .venv/bin/python scripts/bench_reingest.py                 # 2 questions/s, as the issue measured
    .venv/bin/python scripts/bench_reingest.py --rate 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from bench_load import ROOT, Http, free_port, percentile, questions, start_server, wait_ready

ADMIN_KEY = "bench-admin-key-0123456789"
CHANGED = "regelingen/levenlanglerenkrediet.md"  # gets one new section: a few chunks to embed


async def asked(
    url: str, texts: list[str], rate: float, until: asyncio.Event | float
) -> list[tuple[float, int | None]]:
    """Questions at ``rate``/s until ``until`` (a time, or an event that is set); returns
    (latency ms or -1 for an error, generation) per question."""
    rng = random.Random(11)
    out: list[tuple[float, int | None]] = []
    http = Http(url, 100)
    requests = {q: http.request("/api/chat", {"message": q}) for q in texts}
    try:

        async def one(q: str) -> None:
            t = time.monotonic()
            try:
                status, body = await http.send(requests[q])
                data = json.loads(body) if status == 200 else {}
                ok = "answer" in data
            except Exception:
                ok, data = False, {}
            gen = data.get("index_generation") if ok else None
            out.append(((time.monotonic() - t) * 1000 if ok else -1.0, gen if isinstance(gen, int) else None))

        tasks, i, at = [], 0, time.monotonic()
        while not (until.is_set() if isinstance(until, asyncio.Event) else time.monotonic() >= until):
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            tasks.append(asyncio.create_task(one(texts[i % len(texts)])))
            i += 1
            at += rng.expovariate(rate)
        await asyncio.gather(*tasks)
    finally:
        http.close()
    return out


async def during_reingest(url: str, texts: list[str], rate: float) -> tuple[list[tuple[float, int | None]], float]:
    done = asyncio.Event()

    async def reingest() -> float:
        await asyncio.sleep(1.0)
        t = time.monotonic()
        async with httpx.AsyncClient(timeout=900, headers={"X-Admin-Key": ADMIN_KEY}) as admin:
            r = await admin.post(f"{url}/admin/reingest", params={"wait": "true"})
            r.raise_for_status()
        took = time.monotonic() - t
        await asyncio.sleep(1.0)
        done.set()
        return took

    results, took = await asyncio.gather(asked(url, texts, rate, done), reingest())
    return results, took


def row(label: str, results: list[tuple[float, int | None]]) -> tuple[str, float]:
    ok = [ms for ms, _ in results if ms >= 0]
    errors = sum(1 for ms, _ in results if ms < 0)
    p95 = percentile(ok, 0.95)
    line = f"{label:22}{len(ok):>8}{errors:>8}{percentile(ok, 0.5):>10.1f}{p95:>10.1f}{percentile(ok, 0.99):>10.1f}"
    return line, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=2.0, help="questions/s (default 2)")
    parser.add_argument("--duration", type=float, default=30.0, help="idle seconds measured (default 30)")
    parser.add_argument("--rounds", type=int, default=5, help="re-ingests, each after a change (default 5)")
    parser.add_argument("--data-dir", default=os.environ.get("WEGWIJZER_DATA_DIR", "data"), help="index to copy")
    args = parser.parse_args()
    texts = questions()
    with tempfile.TemporaryDirectory(prefix="wegwijzer-bench-reingest-") as tmp:
        corpus, data = Path(tmp) / "corpus", Path(tmp) / "data"
        shutil.copytree(ROOT / "corpus", corpus)
        shutil.copytree(ROOT / args.data_dir if not Path(args.data_dir).is_absolute() else args.data_dir, data)
        env = dict(os.environ) | {
            "ANONYMIZED_TELEMETRY": "False",
            "WEGWIJZER_CORPUS_DIR": str(corpus),
            "WEGWIJZER_DATA_DIR": str(data),
            "WEGWIJZER_ADMIN_API_KEY": ADMIN_KEY,
            "WEGWIJZER_RATE_LIMIT_PER_MINUTE": "1000000",
            "WEGWIJZER_ANSWER_CACHE_SIZE": "0",
        }
        env.pop("WEGWIJZER_TELEGRAM_TOKEN", None)
        print("bringing the copied index up to date with the copied corpus…", flush=True)
        subprocess.run([sys.executable, "-m", "assistant.main", "ingest"], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(env, port, Path(tmp) / "server.log")
        try:
            wait_ready(url, proc)
            print(f"idle: {args.rate:g} questions/s for {args.duration:.0f} s…", flush=True)
            idle = asyncio.run(asked(url, texts, args.rate, time.monotonic() + args.duration))
            page = corpus / CHANGED
            during, took = [], []
            for n in range(1, args.rounds + 1):  # one re-ingest answers only a few questions: several
                page.write_text(
                    page.read_text(encoding="utf-8")
                    + f"\n\n## Nieuw in meting {n}\n\nDeze alinea is toegevoegd door scripts/bench_reingest.py om "
                    "een document te veranderen, zodat de re-ingest echt iets moet inlezen en embedden.\n",
                    encoding="utf-8",
                )
                print(f"re-ingest {n}/{args.rounds} under {args.rate:g} questions/s…", flush=True)
                results, seconds = asyncio.run(during_reingest(url, texts, args.rate))
                during += results
                took.append(seconds)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print()
    print(f"{'':22}{'answers':>8}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    idle_line, idle_p95 = row("idle", idle)
    during_line, during_p95 = row("during re-ingest", during)
    print(idle_line)
    print(during_line)
    generations = Counter(g for ms, g in during if ms >= 0)
    print(
        f"{len(took)} re-ingests took {', '.join(f'{t:.1f}' for t in took)} s; "
        f"answers per generation during them: {dict(sorted(generations.items()))}"
    )
    print(f"p95 during / idle: {during_p95 / idle_p95:.2f} (target ≤ 2)")
    print(f"machine: {os.cpu_count()} CPU cores; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
