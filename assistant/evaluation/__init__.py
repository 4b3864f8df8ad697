"""Evaluation suite: does the assistant answer accurately, and is it getting better?

``wegwijzer eval`` loads the YAML case sets in ``eval/`` (:mod:`.dataset`), runs every
case through the same :class:`assistant.Assistant` the channels use (:mod:`.runner`),
scores retrieval, answers, citations and abstention (:mod:`.metrics`, with the matching
rules of :mod:`.matching`) and whether answers answer — a fact in the first 40 words, length,
readability — next to a top-passage answer baseline (:mod:`.answer_shape`), compares against
retrieval baselines (:mod:`.baselines`), writes
``results.jsonl``, ``summary.json`` and a self-contained ``report.html`` (:mod:`.report`),
and gates on ``eval/thresholds.yaml``.
"""

from assistant.evaluation.dataset import Case, DatasetError, load_cases
from assistant.evaluation.matching import contains, normalize

__all__ = ["Case", "DatasetError", "contains", "load_cases", "normalize"]
