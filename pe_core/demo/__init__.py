"""The embedded default: demo word vectors and a demo labelled dataset, built by the project.

Nothing here needs the network or a third-party data file.

``demo_vectors()`` are *not* GloVe. They are fitted, deterministically, from a background corpus
that a small generative grammar writes from the word groups of ``word_groups.txt`` (topics such as
food or weather, positive and negative sentiment words, pronouns, prepositions, punctuation, ...):
window co-occurrence counts -> positive PMI (context-distribution smoothing 0.75) -> truncated SVD
to 50 dimensions -> rows scaled so the mean norm matches GloVe 6B 50d. Words of one group share
their contexts in that corpus, so they end up as each other's nearest neighbours.

``demo_dataset()`` is a generated set of short social-media-style texts labelled negative /
neutral / positive. Part of the signal lives only in emoticons and emoji, so a model has to
train those (out-of-vocabulary) tokens to get it. Every ordinary word it uses is in the demo
vectors; the invented brand names, the emoji and the special tokens (<smile>, <url>, ...) are not.

The package: ``recipe`` reads the data files (``word_groups.txt``, ``grammar.json`` for the
background corpus, ``texts.json`` for the dataset's templates); ``fit`` fits, caches and ships the
vectors (``python -m pe_core.demo`` rewrites ``demo_vectors.npz``); ``dataset`` writes the texts.
"""

from pe_core.demo.dataset import (
    DEMO_BRANDS,
    DEMO_EMOTICONS,
    DEMO_LABELS,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    demo_dataset,
)
from pe_core.demo.fit import SHIPPED_VECTORS, demo_vectors, write_shipped_vectors
from pe_core.demo.recipe import demo_word_groups

__all__ = [
    "DEMO_BRANDS",
    "DEMO_EMOTICONS",
    "DEMO_LABELS",
    "NEGATIVE",
    "NEUTRAL",
    "POSITIVE",
    "SHIPPED_VECTORS",
    "demo_dataset",
    "demo_vectors",
    "demo_word_groups",
    "write_shipped_vectors",
]
