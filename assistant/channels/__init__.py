"""Channels: thin adapters over :class:`assistant.Assistant` (terminal, web, Telegram).

A channel formats the core's data for its users; no channel imports another, and none
imports Chroma or the embedder. :mod:`assistant.main` composes them into processes.
"""
