"""Ingestion: corpus files -> cleaned text -> cited chunks -> vectors -> Chroma.

Stages are plain functions over plain data (``load``, ``clean``, ``split``); only
:func:`ingest.index.run_ingest` writes to the store.
"""

from .index import IngestReport, run_ingest
from .load import LoadError, discover, load_document

__all__ = ["IngestReport", "LoadError", "discover", "load_document", "run_ingest"]
