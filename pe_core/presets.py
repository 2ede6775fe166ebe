"""Named sets of tokenizer rules and options, matched to the vectors they were made for.

``"Default"`` is :data:`pe_core.tokens.DEFAULT_RULES` (GloVe 6B's token forms plus tweet
specials). ``"GloVe Twitter"`` mirrors the preprocessing script GloVe Twitter 27B was trained
with (Stanford's ``preprocess-twitter.rb``), so its specials are the words the vectors already
have: ``<url>``, ``<user>``, ``<hashtag>`` (followed by the hashtag's word), ``<number>``,
``<heart>``, ``<smile>``, ``<lolface>``, ``<sadface>``, ``<neutralface>``, and the tags that
follow what they mark, ``<repeat>`` (``!!!`` -> ``! <repeat>``), ``<elong>``
(``sooo`` -> ``so <elong>``) and ``<allcaps>`` (``WOW`` -> ``wow <allcaps>``).
Known difference: the script splits camel-case hashtags (``#NoFilter`` -> ``no filter``); here
the hashtag's word is kept whole (``nofilter``).

Example:
    >>> preset_tokenizer("GloVe Twitter").tokenize("SO happy!!! @anna #win")
    ['so', '<allcaps>', 'happy', '!', '<repeat>', '<user>', '<hashtag>', 'win']
"""

from __future__ import annotations

from dataclasses import replace

from pe_core.tokens import DEFAULT_RULES, Rule, Tokenizer

_BY_NAME = {rule.name: rule for rule in DEFAULT_RULES}

GLOVE_TWITTER_RULES: list[Rule] = [
    _BY_NAME["url"],
    _BY_NAME["user"],
    _BY_NAME["hashtag"],
    _BY_NAME["number"],
    _BY_NAME["heart"],
    _BY_NAME["smile"],
    _BY_NAME["lolface"],
    replace(_BY_NAME["sad"], name="sadface"),
    _BY_NAME["neutralface"],
    # The script: ([!?.]){2,} -> "<last mark> <REPEAT>".
    Rule("repeat", r"[!?.]{2,}", "<repeat>", mode="tag"),
    # The script: a word ending in 3+ copies of a letter -> the word with one, then <ELONG>.
    Rule(
        "elong",
        r"(?<!\w)\w*?(?P<_elong>[^\W\d_])(?P=_elong){2,}(?!\w)",
        "<elong>",
        mode="tag",
    ),
    # The script: a word of 2+ capitals -> lowercased, then <ALLCAPS>.
    Rule("allcaps", r"(?<![\w'])[A-Z][A-Z']*[A-Z](?![\w'])", "<allcaps>", mode="tag"),
    _BY_NAME["emoji"],
]
"""Rules mirroring GloVe Twitter's preprocessing, in priority order."""

GLOVE_TWITTER_OPTIONS = {
    "lowercase": True,
    "keep_hashtag_word": True,  # the script writes "<hashtag> word"
    "normalize_elongations": False,  # the script only marks elongations at a word's end
    "elongation_keep": 1,
    "unescape_html": True,
    "ptb_quotes": False,  # the script keeps '"' (the vectors have it)
}

PRESETS: dict[str, tuple[list[Rule], dict]] = {
    "Default": (list(DEFAULT_RULES), {}),
    "GloVe Twitter": (GLOVE_TWITTER_RULES, GLOVE_TWITTER_OPTIONS),
}
"""Preset name -> (rules, tokenizer keyword options)."""


def preset_tokenizer(name: str, specials=()) -> Tokenizer:
    """The tokenizer of preset ``name`` (one of :data:`PRESETS`), with literal ``specials``."""
    if name not in PRESETS:
        raise ValueError(f"unknown rules preset {name!r}; choose one of {', '.join(PRESETS)}")
    rules, options = PRESETS[name]
    return Tokenizer(rules, specials=specials, **options)


#: Words only GloVe Twitter's preprocessing puts into a vocabulary.
_TWITTER_MARKERS = ("<user>", "<url>", "<hashtag>")


def suggested_preset(vectors=None, release: str | None = None) -> str:
    """The preset whose specials match these vectors: "GloVe Twitter" for the Twitter release
    (``release`` such as ``"twitter.27B"``) or for vectors that already hold ``<user>``,
    ``<url>`` and ``<hashtag>`` (what its preprocessing wrote); else "Default"."""
    if release is not None and release.lower().startswith("twitter"):
        return "GloVe Twitter"
    if vectors is not None and all(word in vectors for word in _TWITTER_MARKERS):
        return "GloVe Twitter"
    return "Default"
