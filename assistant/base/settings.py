"""One typed settings object for every part of Wegwijzer ICT.

All values come from the environment (prefix ``WEGWIJZER_``) or a ``.env`` file, so a
deployment never edits code. Secrets (tokens, API keys) have no defaults.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Configuration of the core, the ingest pipeline and every channel."""

    model_config = SettingsConfigDict(env_prefix="WEGWIJZER_", env_file=".env", extra="ignore")

    # --- where things live -------------------------------------------------------
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Folder with the programme documents.")
    data_dir: Path = Field(Path("data"), description="Chroma store, embedding cache, SQLite state.")
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="Prompt and UI text files.")
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (`chroma run`); unset = persistent store in data_dir."
    )
    collection: str = Field("wegwijzer", description="Chroma collection name prefix.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the shared state database (conversations, answers, feedback, profiles), "
        "e.g. postgresql+psycopg://user:pw@host/db; unset = SQLite in data_dir.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis shared by all service processes (rate limits, answer cache, index-generation "
        "signal, locks), e.g. redis://127.0.0.1:6379/0; unset = each process keeps them itself.",
    )
    embed_cache: Path | None = Field(
        None, description="Embedding cache file (content-hash keyed); default data_dir/embeddings.sqlite."
    )

    # --- ingestion ----------------------------------------------------------------
    chunk_tokens: int = Field(320, description="Chunk size in cl100k tokens.")
    chunk_overlap: int = Field(50, description="Chunk overlap in tokens.")
    embed_batch: int = Field(16, description="Passages per embedding batch.")
    max_document_bytes: int = Field(
        50 * 1024 * 1024, description="Largest corpus file ingest reads (bytes; also the most text a PDF may yield)."
    )
    max_pdf_pages: int = Field(2000, description="PDFs with more pages are refused at ingest (decompression bombs).")

    # --- retrieval and answering --------------------------------------------------
    top_k: int = Field(5, description="Passages handed to the answerer.")
    candidates: int = Field(30, description="Candidates taken from each of BM25 and dense search.")
    rrf_k: int = Field(60, description="Reciprocal rank fusion constant.")
    bm25_k1: float = Field(1.2, description="BM25 term-frequency saturation (higher: repeated words count longer).")
    bm25_b: float = Field(0.75, description="BM25 length normalisation (0 = none, 1 = full).")
    lexical_weight: float = Field(
        0.6, description="Weight of the BM25 ranking in the fusion (dense = 1); chosen on the dev set."
    )
    max_per_doc: int = Field(3, description="At most this many chunks of one document in the top_k (0 = no cap).")
    kind_boost: float = Field(
        0.03,
        description="Score bonus for the best candidates that hold the kind of answer asked (an amount, "
        "a duration …); chosen on the tuning sets (retrieval MRR 0.756 -> 0.767 and 0.738 -> 0.745).",
    )
    calibration_file: Path = Field(
        PROJECT_ROOT / "calibration" / "relevance.yaml",
        description="Labelled in/out-of-scope questions behind the answer/refuse decision.",
    )
    relevance_model_file: Path = Field(
        PROJECT_ROOT / "calibration" / "relevance_model.yaml",
        description="Answer/refuse weights fitted on calibration_file (`wegwijzer calibrate --write`).",
    )
    abstain_threshold: float = Field(
        0.3,
        description="Minimum relevance (0-1) of the best passage; below it the assistant refuses "
        "(chosen on the tuning sets: abstention F1 0.93 there at 0.3, 0.87 at 0.5).",
    )
    region_boost: float = Field(0.35, description="Score bonus for passages of the asker's region.")
    edition_offset: float = Field(
        0.035,
        description="E5 similarity an English question gains on English text over a translation; "
        "subtracted from English editions' matches (measured: mean 0.037 on the tuning questions).",
    )
    audience_boost: float = Field(0.1, description="Score bonus for passages written for the asker's audience.")
    other_audience_penalty: float = Field(
        0.85, description="Score factor for passages written only for other audiences than the asker's."
    )
    other_region_penalty: float = Field(0.5, description="Score factor for another province's pages.")
    unasked_region_penalty: float = Field(
        0.65,
        description="Score factor for the province pages when the question names no province "
        "(they repeat the national schemes per province; chosen on the tuning sets).",
    )
    answer_words: int = Field(120, description="Target length of an extractive answer, in words.")
    max_question_chars: int = Field(1000, description="Longer questions are refused with a clear message.")

    programme_contact_name: str | None = Field(
        "Human Capital Agenda ICT", description="The programme contact offered with refusals and every answer."
    )
    programme_contact_url: str | None = Field("https://hcaict.nl/", description="The programme contact's web page.")
    programme_contact_email: str | None = Field(None, description="The programme contact's e-mail address, if public.")

    # --- LLM answerer (optional) ------------------------------------------------------
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint; unset = no LLM.")
    llm_model: str = Field("default", description="Model name sent to the endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="API key for the endpoint, if it needs one.")
    llm_timeout: float = Field(30.0, description="Seconds before an LLM call counts as failed.")
    llm_max_tokens: int = Field(350, description="Maximum tokens the model may generate.")
    llm_temperature: float = Field(0.1, description="Sampling temperature.")
    llm_retry_backoff: float = Field(1.0, description="Seconds to wait before the one retry of a failed LLM call.")
    llm_breaker_failures: int = Field(3, description="Consecutive LLM failures that open the circuit breaker.")
    llm_breaker_seconds: float = Field(30.0, description="Seconds the open breaker skips the LLM (extractive answers).")
    llm_passages: int = Field(4, description="Passages given to the language model (best first).")
    llm_passage_sentences: int = Field(
        0, description="Per passage, only the N sentences closest to the question go to the model; 0 = all."
    )
    llm_history_turns: int = Field(2, description="Earlier conversation turns passed to the model for follow-ups.")
    answerer: Literal["auto", "extractive", "llm"] = Field(
        "auto", description="auto = llm when llm_base_url is set, else extractive."
    )

    # --- web service ----------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address the web service binds to.")
    embed_threads: int = Field(
        0, description="Question embeddings computed at the same time by one process (threads); 0 = one per CPU core."
    )
    generation_poll_s: float = Field(
        2.0, description="Seconds between a serving process's checks for a newer index generation."
    )
    port: int = Field(8000, description="Port of the web service.")
    public_url: str | None = Field(None, description="Public base URL of the service (for the widget).")
    cors_origins: list[str] = Field(default_factory=list, description="Extra origins allowed to call the API.")
    admin_api_key: SecretStr | None = Field(None, description="Key for /admin (header X-Admin-Key).")
    rate_limit_storage: str = Field(
        "memory://", description="Where rate limits are counted (limits storage URI: memory://, redis://host:port)."
    )
    rate_limit_per_minute: int = Field(30, description="Chat requests per client IP per minute.")
    conversation_rate_per_minute: int = Field(12, description="Chat requests per conversation per minute.")
    max_body_bytes: int = Field(16_384, description="Largest accepted request body.")
    body_timeout_s: float = Field(
        10.0, description="Web: seconds a client may take between body chunks; a stalled body gets 408."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Web: reverse proxies (IPs or CIDRs, JSON list) whose X-Forwarded-For is honoured; "
        "empty = trust none, the direct peer is the client.",
    )
    admin_failures_per_minute: int = Field(
        10, description="Web: wrong or missing X-Admin-Key attempts per client IP per minute (then 429)."
    )
    retention_days: int = Field(30, description="Conversations older than this are purged.")
    answer_cache_size: int = Field(
        512, description="Web: first questions of a conversation whose answers are kept in memory (0 = off)."
    )
    answer_cache_ttl_s: float = Field(900.0, description="Web: seconds a cached answer stays valid.")

    # --- Telegram ---------------------------------------------------------------------
    telegram_token: SecretStr | None = Field(None, description="Bot token from BotFather.")
    telegram_api_url: str = Field("https://api.telegram.org/bot", description="Bot API base URL.")
    telegram_file_url: str | None = Field(None, description="Bot API file base URL (optional).")
    telegram_mode: Literal["polling", "webhook"] = Field("polling", description="How updates arrive.")
    telegram_webhook_secret: SecretStr | None = Field(None, description="secret_token for the webhook.")
    telegram_rate_per_minute: int = Field(10, description="Questions per Telegram user per minute.")
    telegram_webhook_url: str | None = Field(
        None, description="Public HTTPS URL Telegram posts updates to; default {public_url}/telegram/webhook."
    )
    telegram_salt: SecretStr | None = Field(
        None, description="Salt for hashing Telegram user ids in the state; default derived from the token."
    )

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def embed_cache_path(self) -> Path:
        return self.embed_cache or self.data_dir / "embeddings.sqlite"

    @property
    def llm_enabled(self) -> bool:
        return self.answerer == "llm" or (self.answerer == "auto" and bool(self.llm_base_url))


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
