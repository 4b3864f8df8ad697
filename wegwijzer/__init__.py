"""Wegwijzer ICT channels: the CLI, the web service and widget, the Telegram bot, eval.

Each channel is a thin adapter over :class:`assistant.Assistant`.
"""
