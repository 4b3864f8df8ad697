"""Sentence-by-sentence verification of generated text against the passages it cites.

- :mod:`~assistant.verify.verifier`: :class:`Verifier` (features, threshold decision), the thresholds;
- :mod:`~assistant.verify.rules`: the rules as plain functions (word support, polarity, overclaims, years);
- :mod:`~assistant.verify.evidence`: a cited passage prepared once per answer (clauses, numbers, names);
- :mod:`~assistant.verify.generated`: model output to plain sentences with their citation numbers;
- :mod:`~assistant.verify.names`: the names of the corpus and of a sentence;
- :mod:`~assistant.verify.lexicon`: the word lists and the EN->NL glossary.
"""
