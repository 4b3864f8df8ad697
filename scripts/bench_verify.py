"""Benchmark of generated answers: verification overhead, and latency with a real model.

    python scripts/bench_verify.py                    # verification overhead only
    python scripts/bench_verify.py --local-model      # + latency with the test model (llm-fixture extra)
    python scripts/bench_verify.py --llm-url http://host:8080/v1 [--model NAME]

1. Verification overhead per answer, without a model: for each of N questions of the
   shipped eval set, the real retrieval's best passages are prepared exactly as in an LLM
   answer (sentence vectors from the store, evidence built), and an "answer" of up to four
   sentences is verified against them. The sentences are the labelled sentences of
   eval/verification.yaml (supported and unsupported, Dutch and English) in a fixed
   rotation, so the mix of cheap rejections, word-overlap decisions and E5 embeddings is
   that of the labelled set. Reported: ms per answer (mean, p50, p95, max), ms per
   sentence, share of sentences that needed an embedding.
2. With a model (--local-model starts llama.cpp with the test fixture; --llm-url uses any
   OpenAI-compatible endpoint): every question is answered in LLM mode and the measured
   timings_ms of the answers are reported: total latency and time to the first verified
   sentence (p50/p95), verify_ms (the overhead as measured inside real answers), modes,
   and the share of generated sentences dropped by verification.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from assistant import Assistant, Settings, get_settings  # noqa: E402
from assistant.answering.llm import LLMAnswerer  # noqa: E402
from assistant.evaluation.verify_eval import DEFAULT_SET, load_set  # noqa: E402
from assistant.verify.verifier import Verifier  # noqa: E402


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def questions(n: int) -> list[str]:
    cases = yaml.safe_load((ROOT / "eval" / "public.yaml").read_text(encoding="utf-8"))
    picked = [c["question"] for c in cases if c.get("answerable") and not c.get("turns")]
    return picked[:n]


def llm_answerer(assistant: Assistant) -> LLMAnswerer:
    """An LLM answerer over the assistant's index; its endpoint is never called here."""
    settings = assistant.settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"})
    return LLMAnswerer(settings, embed=assistant.embedder.query_vector, corpus_names=assistant.corpus_names)


def bench_overhead(assistant: Assistant, qs: list[str]) -> None:
    _, pairs = load_set(DEFAULT_SET)
    per_answer: list[float] = []
    per_sentence: list[float] = []
    embedded = sentences = 0
    k = assistant.settings.llm_passages
    warm = assistant.retrieve("Wat is de 30%-regeling?")[0]  # first store read and first embedding are slow
    llm_answerer(assistant).prepare(warm.passages[:k], warm.query_vector, assistant.retriever.sentence_vectors)
    assistant.embedder.query_vector("opwarmen")
    names = assistant.corpus_names()  # computed once per index version, as in real answers
    answerer = llm_answerer(assistant)  # a fresh one: measure uncached evidence preparation
    for i, q in enumerate(qs):
        retrieval, _, _ = assistant.retrieve(q)
        t0 = time.perf_counter()
        given = answerer.prepare(retrieval.passages[:k], retrieval.query_vector, assistant.retriever.sentence_vectors)
        evidence = {g.n: g.evidence for g in given}
        verifier = Verifier(embed=assistant.embedder.query_vector, known_entities=names)
        for j in range(4):
            pair = pairs[(4 * i + j) % len(pairs)]
            n = 1 + (j % max(len(given), 1))
            sentence = pair["sentence"].replace("[1]", f"[{n}]").replace("[2]", "")
            s0 = time.perf_counter()
            verifier.check(sentence, evidence, pair.get("lang", "nl"))
            per_sentence.append((time.perf_counter() - s0) * 1000)
            sentences += 1
        embedded += verifier.embedded
        per_answer.append((time.perf_counter() - t0) * 1000)
    print(f"verification overhead, {len(qs)} answers x 4 sentences, {k} passages each (no model):")
    print(
        f"  per answer  : mean {statistics.mean(per_answer):.1f} ms, p50 {pct(per_answer, 50):.1f} ms, "
        f"p95 {pct(per_answer, 95):.1f} ms, max {max(per_answer):.1f} ms (evidence preparation included)"
    )
    print(f"  per sentence: mean {statistics.mean(per_sentence):.2f} ms, p95 {pct(per_sentence, 95):.2f} ms")
    print(f"  sentences embedded (borderline word overlap): {embedded}/{sentences} = {embedded / sentences:.1%}")


def bench_model(assistant: Assistant, qs: list[str]) -> None:
    rows = []
    for q in qs:
        t0 = time.perf_counter()
        answer = assistant.answer(q)
        rows.append((answer, (time.perf_counter() - t0) * 1000))
        print(f"  {answer.mode:9} {rows[-1][1] / 1000:5.1f} s  {q[:70]}", flush=True)
    answered = [a for a, _ in rows if a.mode != "refusal"]
    totals = [ms for a, ms in rows if a.mode != "refusal"]
    firsts = [a.timings_ms["first_sentence_ms"] for a in answered if "first_sentence_ms" in a.timings_ms]
    verify = [a.timings_ms.get("verify_ms", 0.0) for a in answered if a.timings_ms.get("llm_calls")]
    sents = [s for a in answered for s in a.sentences]
    modes = {m: sum(1 for a, _ in rows if a.mode == m) for m in ("llm", "fallback", "refusal")}
    print(f"with the model ({assistant.settings.llm_model} at {assistant.settings.llm_base_url}):")
    print(f"  modes: {modes}")
    print(f"  latency p50 {pct(totals, 50) / 1000:.1f} s, p95 {pct(totals, 95) / 1000:.1f} s")
    if firsts:
        print(
            f"  first verified sentence p50 {pct(firsts, 50) / 1000:.1f} s, p95 {pct(firsts, 95) / 1000:.1f} s "
            f"({len(firsts)} answers with one)"
        )
    if verify:
        print(f"  verify_ms inside real answers: mean {statistics.mean(verify):.1f} ms, p95 {pct(verify, 95):.1f} ms")
    dropped = sum(1 for s in sents if not s.kept)
    print(
        f"  generated sentences dropped by verification: {dropped}/{len(sents)}"
        + (f" = {dropped / len(sents):.0%}" if sents else "")
    )
    reasons: dict[str, int] = {}
    for s in sents:
        if not s.kept:
            key = (s.reason or "").split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
    print(f"  drop reasons: {dict(sorted(reasons.items(), key=lambda x: -x[1]))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=int, default=40, help="questions for the overhead part")
    ap.add_argument("--model-questions", type=int, default=12, help="questions for the model part")
    ap.add_argument("--local-model", action="store_true", help="start the test model (llm-fixture extra)")
    ap.add_argument("--llm-url", default=None, help="an OpenAI-compatible base URL to measure")
    ap.add_argument("--model", default=None, help="model name for --llm-url")
    ap.add_argument("--data-dir", default=None, help="data dir with an index (default: settings; ingested if empty)")
    args = ap.parse_args()

    settings = get_settings()
    if args.data_dir:
        settings = settings.model_copy(update={"data_dir": Path(args.data_dir)})
    assistant = Assistant(settings)
    if not assistant.ready:
        print("index empty: ingesting the corpus first", flush=True)
        from ingest import reingest

        reingest(assistant)
    qs = questions(max(args.questions, args.model_questions))
    for q in qs[:3]:  # warm-up (model load, caches)
        assistant.retrieve(q)
    bench_overhead(assistant, qs[: args.questions])

    server = None
    url = args.llm_url
    if args.local_model:
        sys.path.insert(0, str(ROOT / "tests"))
        from llm_server import LlamaServer

        server = LlamaServer().start()
        url = server.base_url
    if not url:
        return
    try:
        update: dict[str, object] = {"llm_base_url": url, "answerer": "auto"}
        if args.model:
            update["llm_model"] = args.model
        if server is not None:  # the settings the README recommends for this small CPU model
            update |= {"llm_passages": 2, "llm_passage_sentences": 3, "llm_max_tokens": 120, "llm_timeout": 150.0}
        llm_settings: Settings = settings.model_copy(update=update)
        core = Assistant(llm_settings, embedder=assistant.embedder, store=assistant.store)  # builds its LLM answerer
        bench_model(core, qs[: args.model_questions])
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
