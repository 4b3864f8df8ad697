"""Three service processes on one shared state, for real: PostgreSQL, Redis and a Chroma server
on loopback, each process with its own data folder (as on three machines), started as operators
start them (``wegwijzer serve``).

What a deployment behind a load balancer must give its users, whichever process answers:
a conversation continues on another process; the per-IP limit counts across processes; feedback
given on one is in another's export; a re-ingest started on one is served by all within seconds,
and no answer mixes two generations; kill -9 of one process under load leaves the others
answering and loses no acknowledged feedback or answer.

The processes sit behind a (pretend) reverse proxy on 127.0.0.1 (``WEGWIJZER_TRUSTED_PROXIES``),
so each simulated user gets its own client address in ``X-Forwarded-For``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import CACHE
from live_server import ADMIN_KEY, free_port
from support.postgres import postgres_url  # noqa: F401  (fixture)
from support.redis_server import redis_url  # noqa: F401  (fixture)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WEGWIJZER = Path(sys.executable).with_name("wegwijzer")
RATE_LIMIT = 20  # per client address per minute, across all processes
REMOVED_DOC = "omscholing/codam"  # taken out of the corpus for the second generation
CODAM_QUESTION = "Wat kost het om bij Codam in Amsterdam te studeren?"
LOAD_QUESTIONS = [
    CODAM_QUESTION,
    "Hoe werkt het levenlanglerenkrediet?",
    "Welke subsidie krijg ik als werkgever om personeel om te scholen?",
    "Wat is de SLIM-regeling?",
    "How can I hire a highly skilled migrant?",
]

pytestmark = pytest.mark.skipif(not WEGWIJZER.exists(), reason="the wegwijzer command is not installed")


def chroma_binary() -> Path:
    return Path(sys.executable).with_name("chroma")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server (``chroma run``) on a free loopback port, telemetry off."""
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False", CHROMA_TELEMETRY_ENABLED="false")
    log = (folder / "chroma.log").open("wb")
    proc = subprocess.Popen(
        [str(chroma_binary()), "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the Chroma server did not start: {(folder / 'chroma.log').read_text()[-2000:]}")
        time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@dataclass
class Node:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=60, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.post(self.url + path, timeout=120, **kwargs)

    def generation(self) -> int:
        return int(self.get("/readyz").json()["generation"])


@dataclass
class Cluster:
    corpus: Path
    env: dict[str, str]
    nodes: list[Node] = field(default_factory=list)
    addresses: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def user(self) -> dict[str, str]:
        """Headers of a new simulated user: its own client address behind the proxy."""
        n = next(self.addresses)
        return {"X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"}

    def ask(self, node: Node, message: str, headers: dict[str, str], conversation_id: str | None = None) -> Any:
        body: dict[str, Any] = {"message": message}
        if conversation_id:
            body["conversation_id"] = conversation_id
        return node.post("/api/chat", json=body, headers=headers)


def start_node(name: str, env: dict[str, str], folder: Path) -> Node:
    port = free_port()
    data = folder / f"node-{name}"
    data.mkdir()
    log = folder / f"node-{name}.log"
    proc = subprocess.Popen(
        [str(WEGWIJZER), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env | {"WEGWIJZER_DATA_DIR": str(data)},
        cwd=folder,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return Node(name, f"http://127.0.0.1:{port}", proc, log)


def wait_ready(node: Node, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.proc.poll() is not None:
            raise RuntimeError(f"node {node.name} exited: {node.log.read_text()[-3000:]}")
        try:
            if node.get("/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"node {node.name} not ready: {node.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_url: str,
    redis_url: str,
    chroma_url: str,
) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("cluster")
    corpus = folder / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJZER_")} | {
        "ANONYMIZED_TELEMETRY": "False",
        "WEGWIJZER_CORPUS_DIR": str(corpus),
        "WEGWIJZER_EMBED_CACHE": str(CACHE),
        "WEGWIJZER_CHROMA_URL": chroma_url,
        "WEGWIJZER_DATABASE_URL": postgres_url,
        "WEGWIJZER_REDIS_URL": redis_url,
        "WEGWIJZER_ADMIN_API_KEY": ADMIN_KEY,
        "WEGWIJZER_ANSWERER": "extractive",
        "WEGWIJZER_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT),
        "WEGWIJZER_CONVERSATION_RATE_PER_MINUTE": "1000",
        "WEGWIJZER_TRUSTED_PROXIES": '["127.0.0.1/32"]',
        "WEGWIJZER_GENERATION_POLL_S": "0.5",
    }
    first = subprocess.run(
        [str(WEGWIJZER), "ingest"],
        env=env | {"WEGWIJZER_DATA_DIR": str(folder / "ingest-data")},
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    c = Cluster(corpus, env)
    c.nodes = [start_node(name, env, folder) for name in "abc"]
    try:
        for node in c.nodes:
            wait_ready(node)
        yield c
    finally:
        for node in c.nodes:
            if node.proc.poll() is None:
                node.proc.send_signal(signal.SIGTERM)
        for node in c.nodes:
            try:
                node.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                node.proc.kill()


def admin(node: Node) -> dict[str, str]:
    return {"X-Admin-Key": ADMIN_KEY}


def test_a_conversation_started_on_one_process_continues_on_another(cluster: Cluster) -> None:
    a, b, _ = cluster.nodes
    user = cluster.user()
    first = cluster.ask(a, "Wat is het levenlanglerenkrediet?", user)
    assert first.status_code == 200, first.text
    conversation = first.json()["conversation_id"]
    follow = cluster.ask(b, "en tot welke leeftijd kan dat?", user, conversation)
    assert follow.status_code == 200, follow.text
    data = follow.json()
    assert data["conversation_id"] == conversation and not data["abstained"]
    # answered about the earlier subject (the follow-up names none): the loan's own page is cited
    assert any("levenlanglerenkrediet" in c["doc_id"] for c in data["citations"]), data["citations"]


def test_the_per_ip_limit_counts_requests_on_every_process(cluster: Cluster) -> None:
    user = cluster.user()
    statuses = [
        cluster.ask(cluster.nodes[i % 3], "Wat is de SLIM-regeling?", user).status_code for i in range(RATE_LIMIT + 1)
    ]
    assert statuses[:RATE_LIMIT] == [200] * RATE_LIMIT  # spread over three processes …
    assert statuses[RATE_LIMIT] == 429  # … they are one limit
    other = cluster.ask(cluster.nodes[0], "Wat is de SLIM-regeling?", cluster.user())
    assert other.status_code == 200  # another user is not affected


def test_feedback_given_on_one_process_is_in_another_ones_export(cluster: Cluster) -> None:
    a, _, c = cluster.nodes
    answer = cluster.ask(a, "Hoe neem ik een kennismigrant in dienst?", cluster.user()).json()
    given = a.post(
        "/api/feedback",
        json={"answer_id": answer["answer_id"], "rating": "down", "comment": "bedrag ontbreekt"},
        headers=cluster.user(),
    )
    assert given.status_code == 201, given.text
    export = c.get("/admin/feedback", headers=admin(c)).json()
    item = next(i for i in export if i["id"] == given.json()["id"])
    assert item["question"] == "Hoe neem ik een kennismigrant in dienst?" and item["rating"] == "down"


class Load:
    """Users asking questions on some nodes in background threads; records every outcome."""

    def __init__(self, cluster: Cluster, nodes: list[Node], feedback: bool = False):
        self.cluster, self.nodes, self.feedback = cluster, nodes, feedback
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.answers: list[tuple[str, dict[str, Any]]] = []  # (node, body) of every 200
        self.errors: list[tuple[str, str]] = []
        self.feedback_ids: list[int] = []
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in nodes]

    def run(self, node: Node) -> None:
        for i in itertools.count():
            if self.stop.is_set():
                return
            try:
                r = self.cluster.ask(node, LOAD_QUESTIONS[i % len(LOAD_QUESTIONS)], self.cluster.user())
                if r.status_code != 200:
                    raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
                body = r.json()
                with self.lock:
                    self.answers.append((node.name, body))
                if self.feedback:
                    f = node.post(
                        "/api/feedback",
                        json={"answer_id": body["answer_id"], "rating": "up"},
                        headers=self.cluster.user(),
                    )
                    if f.status_code != 201:
                        raise RuntimeError(f"feedback HTTP {f.status_code}")
                    with self.lock:
                        self.feedback_ids.append(int(f.json()["id"]))
            except Exception as exc:  # recorded: the test decides which nodes may fail
                with self.lock:
                    self.errors.append((node.name, f"{type(exc).__name__}: {exc}"))

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)


def test_a_reingest_started_on_one_process_is_served_by_all_without_mixing(cluster: Cluster) -> None:
    a, b, c = cluster.nodes
    before = {n.generation() for n in cluster.nodes}
    assert len(before) == 1
    old = before.pop()
    (cluster.corpus / f"{REMOVED_DOC}.md").unlink()
    with Load(cluster, cluster.nodes) as load:
        time.sleep(1.0)
        started = b.post("/admin/reingest", params={"wait": "true"}, headers=admin(b))
        assert started.status_code == 200, started.text
        report = started.json()["report"]
        assert report["removed"] == [REMOVED_DOC] and report["generation"] == old + 1
        switched = time.monotonic()
        while {n.generation() for n in cluster.nodes} != {old + 1}:
            assert time.monotonic() - switched < 10, "not every process serves the new generation"
            time.sleep(0.2)
        followed_in = time.monotonic() - switched
        time.sleep(2.0)  # answers on the new generation everywhere
    assert load.errors == []
    generations = {body["index_generation"] for _, body in load.answers}
    assert generations == {old, old + 1}  # the load saw both, each answer one of them
    for node, body in load.answers:
        cited = {cit["doc_id"] for cit in body["citations"]}
        if body["index_generation"] == old + 1:
            assert REMOVED_DOC not in cited, f"{node}: a generation-{old + 1} answer cites a removed document"
    assert any(REMOVED_DOC in {cit["doc_id"] for cit in body["citations"]} for _, body in load.answers)
    assert followed_in < 10
    for node in cluster.nodes:
        after = cluster.ask(node, CODAM_QUESTION, cluster.user()).json()
        assert after["index_generation"] == old + 1
        assert REMOVED_DOC not in {cit["doc_id"] for cit in after["citations"]}


def test_kill_9_of_one_process_under_load_loses_nothing_acknowledged(cluster: Cluster) -> None:
    a, b, c = cluster.nodes
    user = cluster.user()
    started = cluster.ask(a, "Wat is het levenlanglerenkrediet?", user)
    conversation = started.json()["conversation_id"]
    questions_before = b.get("/admin/stats", headers=admin(b)).json()["questions"]
    with Load(cluster, [a, b, c], feedback=True) as load:
        time.sleep(3.0)
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait(timeout=10)
        time.sleep(4.0)
    survivors = [e for e in load.errors if e[0] != "a"]
    assert survivors == [], survivors[:5]
    assert sum(1 for node, _ in load.answers if node != "a") > 0
    # every acknowledged answer and feedback item is in the shared database
    stats = b.get("/admin/stats", headers=admin(b)).json()
    assert stats["questions"] >= questions_before + len(load.answers)
    exported = {item["id"] for item in c.get("/admin/feedback", headers=admin(c)).json()}
    assert set(load.feedback_ids) <= exported
    # the conversation begun on the killed process goes on elsewhere
    follow = cluster.ask(b, "en tot welke leeftijd kan dat?", user, conversation)
    assert follow.status_code == 200
    assert any("levenlanglerenkrediet" in cit["doc_id"] for cit in follow.json()["citations"])
