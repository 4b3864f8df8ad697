"""Session fixtures: one real index (Chroma on disk, real embeddings) for the whole run.

Embeddings are cached by content hash in .cache/ so only the first run pays for them. The
fixtures are lazy: only tests that ask for them build the index.

Two tiers: every test under ``tests/fast/`` is marked ``fast`` (``make test-fast``: no model,
no Chroma, no browser, no network; fakes from ``tests/fakes.py``); a fast test that asks for
the real index is a collection error, so the tier stays fast.
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
FAST_DIR = Path(__file__).parent / "fast"
REAL_INDEX_FIXTURES = frozenset({"built_settings", "assistant"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests under tests/fast/ ``fast``; refuse a fast test that needs the real index."""
    for item in items:
        if item.path.is_relative_to(FAST_DIR):
            item.add_marker(pytest.mark.fast)
        if item.get_closest_marker("fast"):
            slow = REAL_INDEX_FIXTURES & set(getattr(item, "fixturenames", ()))
            if slow:
                raise pytest.UsageError(f"{item.nodeid} is a fast test but uses {sorted(slow)} (the real index)")


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
