"""The foundation every layer shares: settings, errors, plain data types, language tools
(tokens, stems, sentences, numbers) and the loader of user-facing texts.

Nothing here knows about retrieval, answering or any channel.
"""
