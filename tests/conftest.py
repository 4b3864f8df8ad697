"""Session fixtures: one real index (Chroma on disk, real embeddings) for the whole run.

Embeddings are cached by content hash in .cache/ so only the first run pays for them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant import Assistant, Settings
from assistant.base.settings import PROJECT_ROOT

CACHE = PROJECT_ROOT / ".cache" / "embeddings.sqlite"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for tests: own data dir, shared embedding cache, no LLM, no Telegram."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "embed_cache": CACHE,
        "llm_base_url": None,
        "telegram_token": None,
        "answerer": "extractive",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose data dir holds a freshly ingested index of the real corpus."""
    from ingest import run_ingest

    settings = make_settings(tmp_path_factory.mktemp("data"))
    report = run_ingest(settings)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def assistant(built_settings: Settings) -> Assistant:
    """The real core over the real corpus (extractive answerer)."""
    return Assistant(built_settings)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
