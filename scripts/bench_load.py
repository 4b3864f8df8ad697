"""Load benchmark of the web service (not a test): how close answering gets to the embedder.

In one run, on this machine, it prints side by side:

1. **embedder**: raw throughput of the query embedder alone, configured as the service
   configures it (``E5Embeddings``: one call per CPU core at once, each on one OpenMP thread;
   the same questions, in this process while the server idles);
2. **saturated**: the service's throughput of distinct questions with the answer cache off,
   ``--clients`` clients back to back (every request embeds, searches and composes);
3. the **ratio** of the two (the issue's target: at least 0.8). The two are measured in
   ``--rounds`` alternating slices (embedder, service, embedder, …) sharing ``--duration``,
   because this machine's speed drifts between minutes; each round's pair is printed too, and
   the median round's ratio (one round with the embedder alone slowed moves the overall one);
4. **open loop**: latency at ``--rate`` questions/s arriving spread out (Poisson arrivals, as
   many independent users would), p50/p95/p99 (target p95 at 20/s: 300 ms or less).

The service is started as users start it (``wegwijzer serve``) on a free loopback port, over an
already-built index (the incremental ingest runs first unless --skip-ingest). The questions
are the eval sets' questions (users' phrasing, NL/EN, in and out of scope), each sent as a new
conversation. All clients come from 127.0.0.1, so the per-IP and per-conversation rate limits
are raised for the benchmark server (the output says so). The load generator shares the
machine's cores with the server (it is light: a raw keep-alive HTTP/1.1 client on uvloop, about
0.2 ms of CPU per answer), so the figures are a lower bound. Each phase also prints the CPU
time per answer of the server and of the load generator, and how many cores anything else
used meanwhile (read from ``/proc``): a run on a machine that was not quiet says so.

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
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH_RATE_LIMIT = 1_000_000

T = TypeVar("T")
ROUND_WARMUP_S = 1.0  # load before each later round is measured (new connections)

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


KEEP_IDLE_S = 4.0  # reuse an idle connection only this long (uvicorn closes them after 5 s)


class Connection:
    """One keep-alive HTTP/1.1 connection of the load generator."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.idle_since = time.monotonic()


class Http:
    """The load generator's HTTP client, as lean as a client gets: it shares the cores with the
    server, so its CPU time is taken from the service. Every request is encoded once before
    the run (bytes on the wire, see :meth:`request`), sent over a keep-alive connection from a
    pool of at most ``clients``, and the answer is read by its Content-Length and judged by its
    status line and one byte search (``"answer"``), not parsed as JSON (measured: about 0.2 ms
    of CPU per answer; the output says each run's figure)."""

    name = "raw asyncio HTTP/1.1, keep-alive, requests encoded in advance"

    def __init__(self, url: str, clients: int):
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.netloc = parts.netloc
        self.clients = clients
        self.idle: list[Connection] = []
        self.free = asyncio.Semaphore(clients)

    def request(self, path: str, body: dict[str, str]) -> bytes:
        """The whole request (head and JSON body) as bytes, made once per question."""
        data = json.dumps(body, ensure_ascii=False).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.netloc}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        return head.encode("latin-1") + data

    def close(self) -> None:
        for conn in self.idle:
            conn.writer.close()
        self.idle.clear()

    async def connection(self) -> tuple[Connection, bool]:
        """An idle pooled connection (True: reused) or a new one."""
        now = time.monotonic()
        while self.idle:
            conn = self.idle.pop()
            if now - conn.idle_since < KEEP_IDLE_S:
                return conn, True
            conn.writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return Connection(reader, writer), False

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        """Send one encoded request; its status and body. A reused connection that the server
        closed meanwhile is replaced by a new one and the request sent again (as browsers do);
        any other failure is the request's."""
        async with self.free:
            while True:
                conn, reused = await self.connection()
                try:
                    return await self.exchange(conn, raw)
                except (asyncio.IncompleteReadError, ConnectionError):
                    conn.writer.close()
                    if not reused:
                        raise
                except BaseException:
                    conn.writer.close()
                    raise

    async def exchange(self, conn: Connection, raw: bytes) -> tuple[int, bytes]:
        conn.writer.write(raw)
        head = await conn.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        keep = True
        for line in head.lower().split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line[15:])
            elif line.startswith(b"connection:") and b"close" in line:
                keep = False
        body = await conn.reader.readexactly(length) if length else b""
        if keep:
            conn.idle_since = time.monotonic()
            self.idle.append(conn)
        else:
            conn.writer.close()
        return status, body


class EmbedderAlone:
    """The query embedder as the service configures it (the same
    :class:`~assistant.core.embedder.E5Embeddings`: ``concurrency`` calls at once, each with
    its share of the cores as OpenMP threads), in this process, called back to back from as
    many threads. It is measured in slices between the service's, so that both figures of a
    ratio come from the same minutes: this machine's speed drifts (the embedder alone moved
    45-61 queries/s between runs of one commit)."""

    def __init__(self, texts: list[str], concurrency: int):
        sys.path.insert(0, str(ROOT))
        from assistant.core.embedder import E5Embeddings

        self.texts = texts
        self.embedder = E5Embeddings(None, concurrency=concurrency)
        self.embedder.query_vector(texts[0])
        self.calls_at_once = self.embedder.concurrency
        self.next = 0  # each slice goes on through the questions where the last one stopped

    def run(self, seconds: float) -> tuple[int, float, float | None]:
        """Embed for ``seconds``: the embeddings done, the seconds taken and the cores other
        processes used meanwhile."""
        import threading

        threads = self.calls_at_once
        counts = [0] * threads
        start = self.next
        stop_at = time.monotonic() + seconds

        def work(n: int) -> None:
            i = start + n
            while time.monotonic() < stop_at:
                self.embedder.query_vector(self.texts[i % len(self.texts)])
                counts[n] += 1
                i += threads

        meter = CpuMeter([])
        first = meter.snapshot()
        started = time.monotonic()
        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - started
        last = meter.snapshot()
        others = max(0.0, (last[0] - first[0]) - (last[1] - first[1])) / elapsed if first and last else None
        self.next = start + sum(counts)
        return sum(counts), elapsed, others


TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class CpuMeter:
    """CPU seconds used so far (Linux ``/proc``): by the whole machine, by this load generator
    and by the service processes it started. Their differences over a phase say what an answer
    costs the server and the load generator, and whether anything else ran meanwhile (then
    the phase's figures are not this service's)."""

    def __init__(self, pids: list[int]):
        self.pids = pids

    def snapshot(self) -> tuple[float, float, float] | None:
        try:
            with open("/proc/stat") as f:
                jiffies = [int(x) for x in f.readline().split()[1:8]]
            server = 0
            for pid in self.pids:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                server += int(fields[11]) + int(fields[12])  # utime, stime of every thread
        except (OSError, ValueError, IndexError):
            return None
        machine = sum(jiffies) - jiffies[3] - jiffies[4]  # less idle and iowait
        return machine / TICK, time.process_time(), server / TICK

    async def window(self, tally: Tally, stop_at: float) -> None:
        """Note the CPU used between the tally's ``record_from`` and ``stop_at``."""
        await asyncio.sleep(max(0.0, tally.record_from - time.monotonic()))
        first = self.snapshot()
        await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
        last = self.snapshot()
        if first and last:
            tally.cpu = (last[0] - first[0], last[1] - first[1], last[2] - first[2])


CPU_FIELDS = ("server_cpu_ms_per_answer", "generator_cpu_ms_per_answer", "other_processes_cores")


class Tally:
    """Latencies of answered requests and kinds of failed ones, from ``record_from`` on, and the
    CPU seconds (machine, load generator, server) of the measured window."""

    def __init__(self, record_from: float):
        self.record_from = record_from
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.cpu: tuple[float, float, float] | None = None

    def add(self, other: Tally) -> None:
        """Take in another window's answers, errors and CPU (the saturated phase's slices)."""
        self.latencies += other.latencies
        self.errors += other.errors
        if other.cpu is not None:
            self.cpu = tuple(a + b for a, b in zip(self.cpu or (0.0, 0.0, 0.0), other.cpu))  # type: ignore[assignment]

    def cpu_summary(self, duration: float, servers_known: bool) -> dict[str, object]:
        if self.cpu is None or not self.latencies:
            return {}
        machine, generator, server = self.cpu
        answers = len(self.latencies)
        out: dict[str, object] = {"generator_cpu_ms_per_answer": round(generator * 1000 / answers, 2)}
        if servers_known:
            out["server_cpu_ms_per_answer"] = round(server * 1000 / answers, 1)
            out["other_processes_cores"] = round(max(0.0, machine - generator - server) / duration, 2)
        return out

    def summary(self, duration: float, servers_known: bool = True) -> dict[str, object]:
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
        } | self.cpu_summary(duration, servers_known)


async def ask(http: Http, raw: bytes, tally: Tally) -> None:
    started = time.monotonic()
    try:
        status, data = await http.send(raw)
        kind = None if status == 200 and b'"answer"' in data else f"HTTP {status}"
    except Exception as exc:  # any transport failure counts as an error
        kind = type(exc).__name__
    if started >= tally.record_from:
        if kind:
            tally.errors[kind] += 1
        else:
            tally.latencies.append((time.monotonic() - started) * 1000)


def encoded(http: list[Http], texts: list[str]) -> list[list[bytes]]:
    """Every question as a ready request for every server (the run only sends bytes)."""
    return [[h.request("/api/chat", {"message": text}) for text in texts] for h in http]


async def saturated(
    urls: list[str], texts: list[str], clients: int, duration: float, warmup: float, meter: CpuMeter, first: int
) -> tuple[Tally, int]:
    """``clients`` clients asking distinct questions back to back (round robin over ``urls``),
    from question number ``first`` on; the tally and the number of questions sent."""
    http = [Http(url, clients) for url in urls]
    requests = encoded(http, texts)
    start = time.monotonic()
    tally = Tally(start + warmup)
    stop_at = tally.record_from + duration
    counter = iter(range(first, 10**9))
    window = asyncio.create_task(meter.window(tally, stop_at))

    async def client() -> None:
        while time.monotonic() < stop_at:
            n = next(counter)
            server = n % len(urls)
            await ask(http[server], requests[server][n % len(texts)], tally)

    await asyncio.gather(window, *(client() for _ in range(clients)))
    for h in http:
        h.close()
    return tally, next(counter) - first


def interleaved(
    alone: EmbedderAlone, urls: list[str], texts: list[str], args: argparse.Namespace, meter: CpuMeter
) -> tuple[list[dict[str, float]], dict[str, float], dict[str, object]]:
    """``args.rounds`` rounds of the embedder alone and then the saturated service, each for
    ``args.duration / args.rounds`` seconds: per round the two rates and their ratio, and both
    phases over all rounds."""
    part = args.duration / args.rounds
    rounds: list[dict[str, float]] = []
    total = Tally(0.0)
    embedded, embed_seconds, others, sent = 0, 0.0, 0.0, 0
    for r in range(args.rounds):
        n, seconds, other = alone.run(part)
        warmup = args.warmup if r == 0 else ROUND_WARMUP_S
        tally, asked = run_loop(saturated(urls, texts, args.clients, part, warmup, meter, sent))
        sent += asked
        embedded, embed_seconds, others = embedded + n, embed_seconds + seconds, others + (other or 0.0) * seconds
        total.add(tally)
        rate = n / seconds
        answered = len(tally.latencies) / part
        rounds.append(
            {"embedder_per_s": round(rate, 1), "answered_per_s": round(answered, 1), "ratio": round(answered / rate, 2)}
        )
        print(
            f"  round {r + 1}: embedder alone {rate:.1f}/s, service {answered:.1f}/s, ratio {answered / rate:.2f}",
            flush=True,
        )
    embedder: dict[str, float] = {
        "embedder_per_s": round(embedded / embed_seconds, 1),
        "embedder_other_processes_cores": round(others / embed_seconds, 2),
    }
    sat = {"clients": args.clients, "duration_s": args.duration, "rounds": args.rounds} | total.summary(
        args.duration, bool(meter.pids)
    )
    return rounds, embedder, sat


async def open_loop(
    urls: list[str], texts: list[str], rate: float, duration: float, warmup: float, meter: CpuMeter
) -> dict[str, object]:
    """Questions arriving at ``rate`` per second, spread out (exponential gaps), each on its own."""
    rng = random.Random(7)
    http = [Http(url, 200) for url in urls]
    requests = encoded(http, texts)
    start = time.monotonic()
    tally = Tally(start + warmup)
    stop_at = tally.record_from + duration
    tasks = [asyncio.create_task(meter.window(tally, stop_at))]
    at, i = start, 0
    while at < stop_at:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        server = i % len(urls)
        tasks.append(asyncio.create_task(ask(http[server], requests[server][i % len(texts)], tally)))
        i += 1
        at += rng.expovariate(rate)
    await asyncio.gather(*tasks)
    for h in http:
        h.close()
    return {"rate_per_s": rate, "duration_s": duration} | tally.summary(duration, bool(meter.pids))


def run_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a phase on uvloop when installed (less CPU per request than asyncio's own loop)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8, help="clients of the saturated phase (default 8)")
    parser.add_argument("--rate", type=float, default=20.0, help="questions/s of the open-loop phase (default 20)")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds per phase (default 30)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring (default 3)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="alternating rounds of the embedder alone and the saturated service, sharing --duration (default 5)",
    )
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
    alone = EmbedderAlone(texts, int(env.get("WEGWIJZER_EMBED_THREADS", "0") or 0))
    results["embedder_calls_at_once"] = alone.calls_at_once
    results["embedder_openmp_threads_per_call"] = alone.embedder.query_team
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
        meter = CpuMeter([proc.pid for proc in procs])
        print(
            f"embedder alone ({alone.calls_at_once} calls at once, {alone.embedder.query_team} OpenMP thread(s) each) "
            f"and the service saturated ({args.clients} clients back to back), in {args.rounds} alternating rounds "
            f"of {args.duration / args.rounds:.0f} s each…",
            flush=True,
        )
        results["rounds"], embedder, sat = interleaved(alone, urls, texts, args, meter)
        results |= embedder
        results["saturated"] = sat
        embed_rate = embedder["embedder_per_s"]
        print(f"open loop: {args.rate:g} questions/s spread out, {args.duration:.0f} s…", flush=True)
        results["open_loop"] = opn = run_loop(open_loop(urls, texts, args.rate, args.duration, args.warmup, meter))
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
    cpu_heads = ("server CPU ms/answer", "load gen. ms/answer", "other processes")
    print(f"{'':24}{'per s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}  " + "  ".join(cpu_heads))
    others_col = f"{results['embedder_other_processes_cores']!s:>{len(cpu_heads[2])}}"
    print(
        f"{'embedder alone':24}{embed_rate:>10.1f}{'':>38}  {'':>{len(cpu_heads[0])}}  {'':>{len(cpu_heads[1])}}  "
        + others_col
    )
    for label, r in (("service, saturated", sat), (f"service at {args.rate:g}/s", opn)):
        cpu = [r.get(k, "-") for k in CPU_FIELDS]
        cpu_cols = "  ".join(f"{v!s:>{len(h)}}" for v, h in zip(cpu, cpu_heads))
        print(
            f"{label:24}{r['answered_per_s']:>10}{r['p50_ms']:>10}{r['p95_ms']:>10}{r['p99_ms']:>10}{r['errors']:>8}  "
            + cpu_cols
        )
    print("(other processes: CPU cores used meanwhile by anything but the server and the load generator;")
    print(" well above 0 means the machine was not quiet and the figures are not this service's.)")
    ratios = [r["ratio"] for r in results["rounds"]]  # type: ignore[attr-defined]
    # One round in which the embedder alone was slowed (this machine drifts within seconds)
    # moves the overall ratio by several hundredths; the median round says so.
    results["ratio_median_round"] = statistics.median(ratios)
    print(
        f"ratio saturated/embedder: {results['ratio']} over all rounds (target ≥ 0.8; rounds "
        f"{min(ratios)}–{max(ratios)}, median round {results['ratio_median_round']}); "
        f"p95 at {args.rate:g}/s: {opn['p95_ms']} ms"
    )
    print(f"service processes: {len(urls)}")
    print(
        f"machine: {os.cpu_count()} CPU cores; server and load generator on the same machine (loopback); "
        f"load average before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f}"
    )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
