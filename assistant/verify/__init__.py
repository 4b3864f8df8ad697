"""Sentence-by-sentence verification of generated text against the passages it cites."""
