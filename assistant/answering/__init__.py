"""Answerers: strategies that turn a retrieval into a cited answer.

Each implements :class:`~assistant.answering.protocol.Answerer`; none of them sees the
:class:`~assistant.Assistant`, the store or the retriever, only the request it is given.
"""
