"""The terminal channel: `wegwijzer ask`, `chat` and `ingest`."""
