"""Ingestion: corpus files -> cleaned text -> cited chunks -> vectors -> Chroma.

Stages are plain functions over plain data (``load``, ``clean``, ``split``); only
:func:`ingest.index.run_ingest` writes to the store. Ingestion depends on the core
(store, embedder, types), never the other way round.
"""

from ingest.index import IngestReport, reingest, run_ingest
from ingest.load import LoadError, discover, load_document

__all__ = ["IngestReport", "LoadError", "discover", "load_document", "reingest", "run_ingest"]
