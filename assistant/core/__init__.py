"""The retrieval core: embedder, Chroma store, hybrid retriever, regions, and the
:class:`~assistant.core.assistant.Assistant` that joins them to an answerer."""
