"""Load benchmark of the web service (not a test): N concurrent clients against /api/chat.

Starts the service itself on a free loopback port (in a subprocess, so the load generator
does not share a GIL with the server), over an already-built index (runs the incremental
ingest first unless --skip-ingest), then lets --clients clients ask questions back to
back for --duration seconds and prints requests/s, latency percentiles and errors.

All clients come from 127.0.0.1, so the per-IP and per-conversation rate limits are
raised for the benchmark server (and the output says so).

    .venv/bin/python scripts/bench_load.py                 # 50 clients, 60 s
    .venv/bin/python scripts/bench_load.py --clients 20 --duration 15
    .venv/bin/python scripts/bench_load.py --url http://127.0.0.1:8000   # an already running server
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

ROOT = Path(__file__).resolve().parent.parent
BENCH_RATE_LIMIT = 1_000_000

QUESTIONS = [
    ("Welke subsidie krijg ik om personeel om te scholen naar ICT?", "nl"),
    ("Hoe neem ik een kennismigrant in dienst?", "nl"),
    ("Wat is Make IT Work en hoe doe ik als werkgever mee?", "nl"),
    ("Hoe werkt de SLIM-regeling voor mkb-bedrijven?", "nl"),
    ("Wat is de subsidieregeling praktijkleren?", "nl"),
    ("Bestaat het STAP-budget nog?", "nl"),
    ("Welke fiscale regels gelden voor scholing van werknemers?", "nl"),
    ("Wat doen O&O-fondsen voor scholing?", "nl"),
    ("Hoe werkt een traineeship voor zij-instromers?", "nl"),
    ("Wat doet de provincie Limburg aan het ICT-tekort?", "nl"),
    ("Welke ICT-programma's zijn er in Friesland?", "nl"),
    ("Wat is het doel van de Human Capital Agenda ICT?", "nl"),
    ("Hoeveel ICT-professionals zijn er nodig in 2030?", "nl"),
    ("Hoe kan ik als zij-instromer omscholen naar ICT?", "nl"),
    ("Wat is het levenlanglerenkrediet?", "nl"),
    ("Welke scholing betaalt het UWV voor werkzoekenden?", "nl"),
    ("Which subsidy can I get to retrain staff for ICT jobs?", "en"),
    ("How can I hire a highly skilled migrant?", "en"),
    ("What does the province of Zeeland do about ICT skills?", "en"),
    ("What is the goal of the Human Capital Agenda ICT?", "en"),
    ("Wat is het weer morgen in Utrecht?", "nl"),
    ("Wie wint het WK voetbal?", "nl"),
    ("Wat verdient een Java-ontwikkelaar in Groningen?", "nl"),
    ("How do I bake sourdough bread?", "en"),
]


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


async def client(
    n: int,
    http: Http,
    url: str,
    stop_at: float,
    record_from: float,
    latencies: list[float],
    errors: Counter[str],
    think: float,
) -> None:
    i = n
    rng = random.Random(n)
    if think:  # stagger the start so clients do not arrive in lock-step waves
        await asyncio.sleep(rng.uniform(0, think))
    while time.monotonic() < stop_at:
        question, lang = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        started = time.monotonic()
        try:
            status, data = await http.post_json(
                f"{url}/api/chat", {"message": question, "lang": lang, "audience": "employer"}
            )
            kind = None if status == 200 and "answer" in data else f"HTTP {status}"
        except Exception as exc:  # any transport failure counts as an error
            kind = type(exc).__name__
        took = (time.monotonic() - started) * 1000
        if started >= record_from:
            if kind:
                errors[kind] += 1
            else:
                latencies.append(took)
        if think:  # a person reading the answer: think time varies around the mean
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


async def run_load(url: str, clients: int, duration: float, warmup: float, think: float) -> dict[str, object]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    async with Http(clients) as http:
        print(f"load generator: {http.name}", flush=True)
        start = time.monotonic()
        record_from = start + warmup
        stop_at = record_from + duration
        await asyncio.gather(
            *(client(n, http, url, stop_at, record_from, latencies, errors, think) for n in range(clients))
        )
    measured = len(latencies) + sum(errors.values())
    return {
        "clients": clients,
        "duration_s": duration,
        "think_s": think,
        "requests": measured,
        "requests_per_s": round(measured / duration, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds (default 60)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring (default 3)")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause of each client between requests, s (default 0: back to back)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="turn the answer cache off (every request runs retrieval: measures the core)",
    )
    parser.add_argument("--url", help="benchmark an already running server instead of starting one")
    parser.add_argument("--data-dir", help="data directory with the index (default: WEGWIJZER_DATA_DIR or data/)")
    parser.add_argument("--skip-ingest", action="store_true", help="do not run the incremental ingest first")
    parser.add_argument("--json", dest="json_out", help="also write the results to this JSON file")
    args = parser.parse_args()

    proc = None
    url = args.url
    if not url:
        env = dict(os.environ)
        env.setdefault("ANONYMIZED_TELEMETRY", "False")
        if args.data_dir:
            env["WEGWIJZER_DATA_DIR"] = args.data_dir
        env["WEGWIJZER_RATE_LIMIT_PER_MINUTE"] = str(BENCH_RATE_LIMIT)
        env["WEGWIJZER_CONVERSATION_RATE_PER_MINUTE"] = str(BENCH_RATE_LIMIT)
        env.pop("WEGWIJZER_TELEGRAM_TOKEN", None)
        if args.no_cache:
            env["WEGWIJZER_ANSWER_CACHE_SIZE"] = "0"
        if not args.skip_ingest:
            print("running the incremental ingest (only changed documents are embedded)…", flush=True)
            subprocess.run(
                [sys.executable, "-m", "assistant.main", "ingest"],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"wegwijzer-bench-{port}.log"
        proc = start_server(env, port, log_path)
        print(f"server on {url} (log: {log_path})", flush=True)
        print(
            "answer cache: "
            + (
                "OFF (every request runs embedding + retrieval)"
                if args.no_cache
                else "on (repeated opening questions are served from memory; --no-cache measures the core)"
            ),
            flush=True,
        )
        print(
            f"NOTE: per-IP and per-conversation rate limits raised to {BENCH_RATE_LIMIT}/min for this benchmark "
            "(every client comes from 127.0.0.1); production limits are WEGWIJZER_RATE_LIMIT_PER_MINUTE / "
            "WEGWIJZER_CONVERSATION_RATE_PER_MINUTE.",
            flush=True,
        )
    try:
        wait_ready(url, proc)
        load_before = os.getloadavg()[0]
        print(
            f"{args.clients} clients, {args.warmup:.0f} s warm-up, {args.duration:.0f} s measured, "
            f"think time {args.think} s, {len(QUESTIONS)} distinct questions (NL/EN, in and out of scope)…",
            flush=True,
        )
        result = asyncio.run(run_load(url, args.clients, args.duration, args.warmup, args.think))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"requests:     {result['requests']} in {args.duration:.0f} s")
    print(f"requests/s:   {result['requests_per_s']}")
    print(
        f"latency ms:   p50 {result['p50_ms']}  p95 {result['p95_ms']}  p99 {result['p99_ms']}  max {result['max_ms']}"
    )
    print(f"errors:       {result['errors']} {result['error_kinds'] or ''}")
    print(
        f"machine:      {os.cpu_count()} CPU cores; server and load generator on the same machine (loopback); "
        f"load average before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f}"
    )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
