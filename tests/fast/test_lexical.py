"""BM25 over Dutch stems, and the English->Dutch glossary on the query side."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.base.lexical import BM25Index, query_tokens
from assistant.base.text import content_tokens, stem

TEXTS = [
    "De SLIM-regeling subsidieert scholing in het mkb.",
    "Kennismigranten moeten aan het salariscriterium voldoen.",
    "Omscholing naar ICT voor werkzoekenden en werkenden.",
    "Werkgevers investeren in omscholing van hun werkenden.",
]


def test_the_text_with_the_rare_word_ranks_first():
    scores = BM25Index(TEXTS).scores(content_tokens("Wat is het salariscriterium?"))
    assert int(np.argmax(scores)) == 1
    assert scores[1] > 0 and all(scores[i] == 0 for i in (0, 2, 3))


def test_a_rarer_word_weighs_more_than_a_common_one():
    index = BM25Index(TEXTS)
    # "omscholing" occurs in two texts, "werkzoekenden" in one: the latter decides
    scores = index.scores(content_tokens("omscholing werkzoekenden"))
    assert int(np.argmax(scores)) == 2
    assert scores[2] > scores[3] > 0


def test_words_the_index_never_saw_score_nothing():
    index = BM25Index(TEXTS)
    assert index.scores(content_tokens("voetbal landskampioen")).tolist() == [0.0] * len(TEXTS)
    assert BM25Index([]).scores(content_tokens("scholing")).tolist() == []


def test_an_english_query_also_searches_the_dutch_glossary_words():
    tokens = query_tokens("What is the salary threshold for a migrant?")
    assert set(content_tokens("salariscriterium kennismigrant")) <= set(tokens)
    assert int(np.argmax(BM25Index(TEXTS).scores(tokens))) == 1


def test_a_dutch_query_is_left_as_it_is():
    assert query_tokens("Wat kost omscholing?") == content_tokens("Wat kost omscholing?")


def test_length_normalisation_is_a_setting():
    texts = ["Scholing.", "Scholing voor werkenden, werkzoekenden, zij-instromers en werkgevers in het hele land."]
    tokens = content_tokens("scholing")
    short, long = BM25Index(texts).scores(tokens)
    assert short > long  # by default a short text that names the word is the better match
    short, long = BM25Index(texts, b=0.0).scores(tokens)
    assert short == pytest.approx(long)


def test_a_verb_split_by_te_matches_the_documents_word() -> None:
    tokens = query_tokens("Kan mijn bedrijf geld krijgen om ons personeel op te leiden?")
    assert set(content_tokens("opleiden")) <= set(tokens)
    assert set(content_tokens("aanvragen")) <= set(query_tokens("hoe vraag ik dat aan te vragen"))
    assert len(tokens) == len(set(tokens))  # every token once: BM25 weighs a repeat twice


def test_growth_written_apart_searches_the_documents_words() -> None:
    """'Hoeveel ICT'ers moeten er bij komen?' asks the growth the documents speak of."""
    for question in ("hoeveel ict'ers moeten er bij komen?", "hoeveel ict'ers moeten erbij komen per jaar?"):
        assert set(content_tokens("groei")) <= set(query_tokens(question)), question
    assert not set(content_tokens("groei")) & set(query_tokens("kan ik bij codam komen?"))


def test_how_old_and_how_long_in_users_words_search_the_documents_terms():
    assert stem("leeftijd") in query_tokens("ik ben 52, ben ik niet te oud voor een omscholing?")
    assert stem("beslistermijn") in query_tokens("hoe lang moet ik wachten op de ind?")
    assert stem("docenten") in query_tokens("does codam have teachers?")
