"""Core benchmark: ingest speed, warm answer latency and peak memory (prints figures).

    python scripts/bench_core.py [--chunks 10000] [--questions 50] [--skip-ingest] [--store chroma|memory]

1. Ingest of the shipped corpus into a fresh store, with a cold and then a warm
   embedding cache (pages/s, chunks/s).
2. Warm extractive answer latency p50/p95 over N questions on the shipped corpus.
3. The same on a synthetic corpus of --chunks chunks. How it is made (also printed):
   chunks are 6-10 sentences drawn with a fixed seed from the real corpus's sentences;
   their sentence vectors are the real cached E5 vectors of those sentences, and each
   chunk vector is the L2-normalised mean of its sentence vectors, so the benchmark does
   not spend ~40 minutes embedding 10,000 passages. The store is kept in
   .cache/bench-<N>/ so later runs skip building it. With --store memory the synthetic
   chunks go into a MemoryStore instead (exact numpy search, nothing on disk): the same
   answers without Chroma's share of the latency.
Peak RSS is read from the OS (ru_maxrss) at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np

from assistant import Assistant, Settings
from assistant.base.settings import PROJECT_ROOT
from assistant.base.text import chunk_sentences
from assistant.base.types import Chunk
from assistant.core.embedder import E5Embeddings
from assistant.core.store import ChromaStore, MemoryStore, VectorStore
from ingest import run_ingest

QUESTIONS = [
    "Hoeveel ICT-professionals zijn er in 2030 nodig?",
    "Hoeveel geld is er nodig voor het uitvoeringsplan?",
    "What does the province of Zeeland do?",
    "Kan ik nog STAP-budget aanvragen?",
    "Wat is het salariscriterium voor een kennismigrant in 2026?",
    "Hoe kan ik omscholen naar ICT?",
    "Wat doet Gelderland aan zij-instroom?",
    "What is the EU Blue Card salary threshold?",
    "Is Codam gratis?",
    "Wat is Make IT Work?",
    "Welke actielijnen zijn er?",
    "Wie betaalt mijn omscholing?",
    "Wat is het levenlanglerenkrediet?",
    "How long is the orientation year?",
    "Wat doet Limburg?",
    "Hoeveel ICT-vacatures zijn er?",
    "Wat is de 30%-regeling?",
    "Who won the World Cup?",
    "Wat wordt het weer morgen?",
    "Hoe word ik erkend referent?",
    "Wat kost een IND-aanvraag?",
    "Welke regio's hebben plannen?",
    "Waarom kiezen mensen niet voor ICT?",
    "What is the SLIM scheme?",
    "Mag ik scholing volgen met een WW-uitkering?",
]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def time_answers(assistant: Assistant, n: int) -> tuple[float, float, float]:
    questions = (QUESTIONS * (n // len(QUESTIONS) + 1))[:n]
    for q in QUESTIONS[:5]:  # warm-up
        assistant.answer(q)
    times = []
    for q in questions:
        t0 = time.perf_counter()
        assistant.answer(q)
        times.append((time.perf_counter() - t0) * 1000)
    return percentile(times, 50), percentile(times, 95), statistics.mean(times)


def write_source_pdfs(folder: Path) -> int:
    """The two shipped source texts as A4 PDFs (needs fpdf2 from the test extra)."""
    try:
        from fpdf import FPDF
    except ImportError:
        print("ingest, PDF        : skipped (pip install fpdf2, or make setup-test)")
        return 0
    folder.mkdir(parents=True)
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    total = 0
    for src in sorted((PROJECT_ROOT / "corpus" / "bronnen").glob("*.txt")):
        pdf = FPDF(format="A4")
        text = src.read_text(encoding="utf-8")
        if font.exists():
            pdf.add_font("DejaVu", fname=str(font))
            pdf.set_font("DejaVu", size=10)
        else:
            pdf.set_font("Helvetica", size=10)
            text = text.encode("latin-1", "replace").decode("latin-1")
        pdf.add_page()
        pdf.multi_cell(0, 5, text)
        pdf.output(str(folder / f"{src.stem}.pdf"))
        total += pdf.pages_count
    return total


def bench_ingest() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wegwijzer-bench-"))
    try:
        cold = Settings(data_dir=tmp / "cold", embed_cache=tmp / "cold-cache.sqlite")
        report = run_ingest(cold)
        print(
            f"ingest, cold cache : {len(report.added)} documents, {report.pages} pages, {report.chunks} chunks, "
            f"{report.embedded} texts embedded in {report.seconds:.1f} s -> {report.pages / report.seconds:.2f} pages/s, "
            f"{report.chunks / report.seconds:.1f} chunks/s"
        )
        pdf_corpus = tmp / "pdf"
        pages = write_source_pdfs(pdf_corpus)
        if pages:
            pdf = Settings(data_dir=tmp / "pdf-data", corpus_dir=pdf_corpus, embed_cache=tmp / "pdf-cache.sqlite")
            report = run_ingest(pdf)
            print(
                f"ingest, PDF, cold  : the 2 source texts as {report.pages} real PDF pages (fpdf2 -> pypdf), "
                f"{report.chunks} chunks in {report.seconds:.1f} s -> {report.pages / report.seconds:.2f} pages/s"
            )
        warm = Settings(data_dir=tmp / "warm", embed_cache=tmp / "cold-cache.sqlite")
        report = run_ingest(warm)
        print(
            f"ingest, warm cache : {report.pages} pages, {report.chunks} chunks, {report.embedded} embedded in "
            f"{report.seconds:.1f} s -> {report.pages / report.seconds:.1f} pages/s"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_synthetic(
    n_chunks: int, data_dir: Path, cache: Path, source: Settings, kind: str = "chroma"
) -> tuple[Settings, VectorStore, E5Embeddings]:
    settings = Settings(data_dir=data_dir, embed_cache=cache, collection="synthetic")
    embedder = E5Embeddings(cache)
    store: VectorStore = ChromaStore(settings, embedder) if kind == "chroma" else MemoryStore()
    if store.count() >= n_chunks:
        print(f"synthetic store    : reused {store.count()} chunks from {data_dir}")
        return settings, store, embedder
    real = ChromaStore(source, embedder).all_chunks()
    sentences = sorted({s for c in real for s in chunk_sentences(c.text) if len(s.split()) >= 4})
    t0 = time.perf_counter()
    svecs = embedder.passage_vectors(sentences)
    vec_of = dict(zip(sentences, svecs))
    print(
        f"synthetic store    : {len(sentences)} distinct real sentences, vectors in {time.perf_counter() - t0:.1f} s (cache)"
    )
    rng = random.Random(42)
    regions = ["national", "groningen", "friesland", "zeeland", "limburg", "utrecht", "gelderland"]
    store.reset()
    batch: list[Chunk] = []
    t0 = time.perf_counter()
    for i in range(n_chunks):
        picked = rng.sample(sentences, rng.randint(6, 10))
        chunk = Chunk(
            chunk_id=f"synthetic/{i // 20}#{i}",
            doc_id=f"synthetic/{i // 20}",
            text="\n".join(picked),
            title=f"Synthetisch document {i // 20}",
            section=f"Sectie {i % 20}",
            meta={"kind": "programme", "region": [rng.choice(regions)], "n_sentences": len(picked)},
        )
        batch.append(chunk)
        if len(batch) == 500 or i == n_chunks - 1:
            sv = [np.asarray([vec_of[s] for s in c.text.split("\n")]) for c in batch]
            cv = np.asarray([m.mean(0) / np.linalg.norm(m.mean(0)) for m in sv], dtype=np.float32)
            store.add(batch, cv, [c.text.split("\n") for c in batch], sv)
            batch = []
    print(f"synthetic store    : built {store.count()} chunks in {time.perf_counter() - t0:.1f} s ({kind})")
    return settings, store, embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--skip-ingest", action="store_true", help="skip part 1 (ingest speed)")
    parser.add_argument(
        "--store", choices=["chroma", "memory"], default="chroma", help="store of the synthetic corpus (part 3)"
    )
    args = parser.parse_args()
    cache = PROJECT_ROOT / ".cache" / "embeddings.sqlite"
    print(
        f"machine            : {os.cpu_count()} cores; Python {'.'.join(map(str, __import__('sys').version_info[:3]))}"
    )
    if not args.skip_ingest:
        bench_ingest()

    shipped = Settings(data_dir=PROJECT_ROOT / ".cache" / "bench-shipped", embed_cache=cache, answerer="extractive")
    run_ingest(shipped)
    assistant = Assistant(shipped)
    p50, p95, mean = time_answers(assistant, args.questions)
    print(
        f"shipped corpus     : {assistant.retriever.size} chunks; warm extractive answer over {args.questions} "
        f"questions: p50 {p50:.1f} ms, p95 {p95:.1f} ms, mean {mean:.1f} ms"
    )

    print(
        "synthetic corpus   : chunks of 6-10 real corpus sentences drawn with seed 42; sentence vectors are the "
        "real cached E5 vectors, chunk vector = normalised mean of its sentence vectors"
    )
    settings, store, embedder = build_synthetic(
        args.chunks, PROJECT_ROOT / ".cache" / f"bench-{args.chunks}", cache, shipped, args.store
    )
    settings = settings.model_copy(update={"answerer": "extractive"})
    big = Assistant(settings, embedder=embedder, store=store)
    p50, p95, mean = time_answers(big, args.questions)
    print(
        f"synthetic corpus   : {big.retriever.size} chunks ({args.store}); warm extractive answer over {args.questions} "
        f"questions: p50 {p50:.1f} ms, p95 {p95:.1f} ms, mean {mean:.1f} ms"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS           : {rss:.0f} MB (whole benchmark process, both stores loaded)")


if __name__ == "__main__":
    main()
