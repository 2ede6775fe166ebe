import copy
import dataclasses
import json
import pickle
import threading

import pytest

from pe_core.tokens import DEFAULT_RULES, MATCH, Rule, Tokenizer


@pytest.fixture(scope="module")
def tok():
    return Tokenizer()


def test_issue_example(tok):
    assert tok.tokenize("Soooo happy :) don't miss https://t.co/x #win") == [
        "so",
        "happy",
        "<smile>",
        "do",
        "n't",
        "miss",
        "<url>",
        "<hashtag>",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        # URLs: query strings stay inside, trailing punctuation does not
        ("see https://example.com/a/b?q=1&x=%20y#frag.", ["see", "<url>", "."]),
        ("(www.example.org/page)", ["(", "<url>", ")"]),
        ("pic.twitter.com/AbC123 bit.ly/xyz", ["<url>", "<url>"]),
        ("go to Google.com!", ["go", "to", "<url>", "!"]),
        ("http://t.co/abc, http://t.co/def", ["<url>", ",", "<url>"]),
        # mentions and hashtags
        ("@user_name: thanks @Bob!", ["<user>", ":", "thanks", "<user>", "!"]),
        ("me@example.org", ["me", "@", "example", ".", "org"]),
        ("#MondayMotivation #1 #2020vision", ["<hashtag>", "#", "<number>", "<hashtag>"]),
        # numbers
        (
            "3.5 stars, 1,000 likes, 10k views",
            ["<number>", "stars", ",", "<number>"] + ["likes", ",", "<number>", "views"],
        ),
        ("-5 +3 .5 12:30 1,000,000", ["<number>"] * 5),
        ("50% off $5", ["<number>", "%", "off", "$", "<number>"]),
        ("2-3 days", ["<number>", "-", "<number>", "days"]),
        ("the 1990s 2nd b-52", ["the", "1990s", "2nd", "b-52"]),
        # GloVe 6B splitting
        ("don't it's can't won't", ["do", "n't", "it", "'s", "ca", "n't", "wo", "n't"]),
        (
            "We're I'll you've I'm he'd",
            ["we", "'re", "i", "'ll", "you", "'ve", "i", "'m"] + ["he", "'d"],
        ),
        ("DON'T IT'S", ["do", "n't", "it", "'s"]),
        ("don\u2019t it\u2019s", ["do", "n't", "it", "'s"]),
        ("y'all o'brien 'sup", ["y'all", "o'brien", "'", "sup"]),
        ("a well-known e-mail", ["a", "well-known", "e-mail"]),
        ("the U.S. and the u.n.", ["the", "u.s.", "and", "the", "u.n."]),
        ("Wait... what?! ok.. \u2026", ["wait", "...", "what", "?", "!", "ok", "...", "..."]),
        ("yes -- no \u2014 maybe", ["yes", "--", "no", "--", "maybe"]),
        ('he said "hi" \u201cthere\u201d', ["he", "said", "``", "hi", "''", "``", "there", "''"]),
        ('("no") "', ["(", "``", "no", "''", ")", "``"]),
        ("I LOVE IT!!!", ["i", "love", "it", "!", "!", "!"]),
        ("``quoted''", ["``", "quoted", "''"]),
        # elongations
        ("soooo goooood cooool YESSS", ["so", "god", "col", "yes"]),
        ("cool good all hahaha", ["cool", "good", "all", "hahaha"]),
        # HTML entities in scraped tweets
        ("fish &amp; chips &lt;3", ["fish", "&", "chips", "<heart>"]),
        ("", []),
        ("   \n\t ", []),
    ],
)
def test_tokenize_cases(tok, text, expected):
    assert tok.tokenize(text) == expected


@pytest.mark.parametrize(
    "emoticon, token",
    [
        (":)", "<smile>"),
        (":-)", "<smile>"),
        (":D", "<smile>"),
        (":-D", "<smile>"),
        ("=)", "<smile>"),
        (";)", "<smile>"),
        (";-)", "<smile>"),
        (":))", "<smile>"),
        (":]", "<smile>"),
        ("(:", "<smile>"),
        ("^_^", "<smile>"),
        (":P", "<lolface>"),
        (":-p", "<lolface>"),
        (";P", "<lolface>"),
        ("XD", "<lolface>"),
        (":(", "<sadface>"),
        (":-(", "<sadface>"),
        (":'(", "<sadface>"),
        (":((", "<sadface>"),
        ("</3", "<sadface>"),
        (":/", "<neutralface>"),
        (":-/", "<neutralface>"),
        (":|", "<neutralface>"),
        ("<3", "<heart>"),
        ("<333", "<heart>"),
    ],
)
def test_emoticons(tok, emoticon, token):
    assert tok.tokenize(f"ok {emoticon} fine") == ["ok", token, "fine"]


def test_emoticon_lookalikes_are_not_emoticons(tok):
    assert tok.tokenize("http://x.org :Dog a => b <30") == [
        "<url>",
        ":",
        "dog",
        "a",
        "=",
        ">",
        "b",
        "<",
        "<number>",
    ]
    assert tok.tokenize("great:)") == ["great", "<smile>"]


def test_each_emoji_is_its_own_token(tok):
    text = "\U0001f602\U0001f602\U0001f525 \U0001f44d\U0001f3fd hi\U0001f600there \u2764\ufe0f"
    assert tok.tokenize_with_rules(text) == [
        ("\U0001f602", "emoji"),
        ("\U0001f602", "emoji"),
        ("\U0001f525", "emoji"),
        ("\U0001f44d\U0001f3fd", "emoji"),  # skin tone stays with its emoji
        ("hi", None),
        ("\U0001f600", "emoji"),
        ("there", None),
        ("\u2764\ufe0f", "emoji"),
    ]
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    flag = "\U0001f1fa\U0001f1f8"
    assert tok.tokenize(f"{family}{flag}") == [family, flag]


def test_tokenize_with_rules_reports_rule_names(tok):
    text = "@ann loved it!! #Oscars :D 10/10 https://x.co/y"
    assert tok.tokenize_with_rules(text) == [
        ("<user>", "user"),
        ("loved", None),
        ("it", None),
        ("!", None),
        ("!", None),
        ("<hashtag>", "hashtag"),
        ("<smile>", "smile"),
        ("<number>", "number"),
        ("/", None),
        ("<number>", "number"),
        ("<url>", "url"),
    ]


def test_keep_hashtag_word():
    tok = Tokenizer(keep_hashtag_word=True)
    assert tok.tokenize_with_rules("#MondayMotivation yay") == [
        ("<hashtag>", "hashtag"),
        ("mondaymotivation", None),
        ("yay", None),
    ]


def test_options_lowercase_elongation():
    assert Tokenizer(lowercase=False).tokenize("Soooo GOOD U.S.") == ["So", "GOOD", "U.S."]
    assert Tokenizer(normalize_elongations=False).tokenize("soooo") == ["soooo"]
    assert Tokenizer(elongation_keep=2).tokenize("soooo goooood cooool") == ["soo", "good", "cool"]
    assert Tokenizer(unescape_html=False).tokenize("&amp;") == ["&", "amp", ";"]
    with pytest.raises(ValueError, match="elongation_keep must be 1 or 2, got 3"):
        Tokenizer(elongation_keep=3)


def test_tokenize_rejects_non_strings(tok):
    with pytest.raises(ValueError, match="text must be a str, got float"):
        tok.tokenize(float("nan"))


# -- literal specials ---------------------------------------------------------------------------


def test_literal_specials_match_as_is_before_rules():
    tok = Tokenizer(specials=["[PRODUCT]", "<company>", "[PRODUCT_NAME]", "BRAND", "#ad"])
    assert tok.tokenize_with_rules("[PRODUCT_NAME] by <company>: [PRODUCT]s #ad #ads") == [
        ("[PRODUCT_NAME]", "special"),  # longest first
        ("by", None),
        ("<company>", "special"),
        (":", None),
        ("[PRODUCT]", "special"),
        ("s", None),
        ("#ad", "special"),  # before the hashtag rule
        ("<hashtag>", "hashtag"),
    ]
    # case-sensitive, and word-like ends only match at word boundaries
    assert tok.tokenize("BRAND brand BRANDS [product]") == [
        "BRAND",
        "brand",
        "brands",
        "[",
        "product",
        "]",
    ]


@pytest.mark.parametrize(
    "specials, message",
    [
        (["[X]", "[X]"], r"special token '\[X\]' is listed twice"),
        ([""], "special tokens must be non-empty strings, got ''"),
        (["a b"], "special token 'a b' must not contain whitespace"),
        ("[X]", "specials must be a list of strings, got the string"),
    ],
)
def test_bad_specials(specials, message):
    with pytest.raises(ValueError, match=message):
        Tokenizer(specials=specials)


# -- special_tokens and rule editing ------------------------------------------------------------


def test_special_tokens_default_order():
    assert Tokenizer(specials=["[X]", "<url>"]).special_tokens == [
        "<url>",
        "<user>",
        "<hashtag>",
        "<number>",
        "<heart>",
        "<smile>",
        "<lolface>",
        "<sadface>",
        "<neutralface>",
        "[X]",
    ]
    assert Tokenizer().dynamic_rule_names == ["emoji"]


def test_disable_a_rule():
    rules = [
        dataclasses.replace(r, enabled=False) if r.name == "number" else r for r in DEFAULT_RULES
    ]
    tok = Tokenizer(rules)
    assert tok.tokenize("3.5 and 1,000") == ["3", ".", "5", "and", "1", ",", "000"]
    assert "<number>" not in tok.special_tokens
    assert tok.rules_table()[3] == {
        "name": "number",
        "pattern": DEFAULT_RULES[3].pattern,
        "token": "<number>",
        "enabled": False,
        "mode": "replace",
    }


def test_add_a_custom_rule():
    money = Rule("money", r"[$€£]\d+(?:\.\d\d)?", "<money>")
    tok = Tokenizer([*DEFAULT_RULES, money])
    assert tok.tokenize_with_rules("only $9.99!") == [
        ("only", None),
        ("<money>", "money"),
        ("!", None),
    ]
    assert tok.special_tokens[-1] == "<money>"


def test_earlier_rules_win_at_the_same_position():
    decimal = Rule("decimal", r"\d+\.\d+", "<decimal>")
    assert Tokenizer([decimal, *DEFAULT_RULES]).tokenize("3.5 3") == ["<decimal>", "<number>"]
    assert Tokenizer([*DEFAULT_RULES, decimal]).tokenize("3.5 3") == ["<number>", "<number>"]


def test_custom_rule_case_insensitive_part():
    lol = Rule("lol", r"(?i:\blo+l\b)", "<lol>")
    assert Tokenizer([lol]).tokenize("LOL looool lola") == ["<lol>", "<lol>", "lola"]


def test_match_token_emits_matched_text():
    tok = Tokenizer([Rule("ticker", r"\$[A-Z]{2,5}\b", MATCH)])
    assert tok.tokenize_with_rules("buy $AAPL") == [("buy", None), ("$AAPL", "ticker")]
    assert tok.special_tokens == []


def test_default_rules_are_not_mutated_by_tokenizers():
    before = list(DEFAULT_RULES)
    Tokenizer([dataclasses.replace(DEFAULT_RULES[0], enabled=False)])
    assert DEFAULT_RULES == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_RULES[0].enabled = False


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(name="x", pattern="(ab", token="<x>"), r"rule 'x': pattern '\(ab' is not a valid"),
        (dict(name="x", pattern="a*", token="<x>"), "rule 'x': pattern 'a\\*' matches the empty"),
        (dict(name="x", pattern=r"(a)\1", token="<x>"), "rule 'x': .* numbered backreference"),
        (dict(name="x", pattern="a", token=""), "rule 'x': token must be a non-empty string"),
        (dict(name="x", pattern="a", token="<a b>"), "rule 'x': token '<a b>' must not contain"),
        (dict(name="", pattern="a", token="<x>"), "rule name must be a non-empty string"),
        (dict(name="special", pattern="a", token="<x>"), "'special' is reserved"),
        (dict(name="x", pattern="a", token="<x>", enabled="yes"), "enabled must be True or Fa"),
    ],
)
def test_rule_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Rule(**kwargs)


def test_duplicate_rule_names_and_conflicting_groups():
    with pytest.raises(ValueError, match=r"rules\[1\]: rule name 'a' is used twice"):
        Tokenizer([Rule("a", "a", "<a>"), Rule("a", "b", "<b>")])
    with pytest.raises(ValueError, match="cannot be combined into one regular expression"):
        Tokenizer([Rule("a", "(?P<g>a)", "<a>"), Rule("b", "(?P<g>b)", "<b>")])
    with pytest.raises(ValueError, match=r"rules\[0\] must be a Rule, got dict"):
        Tokenizer([{"name": "a"}])


# -- the editable table -------------------------------------------------------------------------


def test_table_round_trip():
    tok = Tokenizer(specials=["[X]"], keep_hashtag_word=True)
    rows = tok.rules_table()
    assert [row["name"] for row in rows] == [r.name for r in DEFAULT_RULES]
    again = Tokenizer.from_table(rows, specials=["[X]"], keep_hashtag_word=True)
    assert again == tok
    text = "#Win [X] :) 3.5 @me \U0001f602"
    assert again.tokenize_with_rules(text) == tok.tokenize_with_rules(text)


def test_from_table_edits_and_blank_enabled():
    rows = [
        {"name": "user", "pattern": r"@\w+", "token": "<mention>", "enabled": True},
        {"name": "laugh", "pattern": r"(?i:\b(?:ha){2,}\b)", "token": "<laugh>", "enabled": None},
        {"name": "url", "pattern": r"https?://\S+", "token": "<url>", "enabled": False},
    ]
    tok = Tokenizer.from_table(rows)
    assert tok.tokenize("@a HAHAHA http://x") == [
        "<mention>",
        "<laugh>",
        "http",
        ":",
        "/",
        "/",
        "x",
    ]
    assert tok.special_tokens == ["<mention>", "<laugh>"]


@pytest.mark.parametrize(
    "row, message",
    [
        ({"name": "b", "pattern": "b", "token": ""}, r"rules table row 2 \('b'\): empty token"),
        ({"name": "b", "pattern": "b"}, r"row 2 \('b'\): empty token"),
        ({"name": "b", "pattern": float("nan"), "token": "<b>"}, r"row 2 \('b'\): empty pattern"),
        ({"name": None, "pattern": None, "token": None}, "row 2 .*empty name, pattern, token"),
        ({"name": "b", "pattern": "[b", "token": "<b>"}, r"row 2 \('b'\): rule 'b': pattern '\[b"),
        ({"name": "a", "pattern": "b", "token": "<b>"}, "row 2: name 'a' is already used by row 1"),
        ("not a row", "rules table row 2 must be a mapping, got str"),
    ],
)
def test_from_table_errors_name_the_row(row, message):
    rows = [{"name": "a", "pattern": "a", "token": "<a>", "enabled": True}, row]
    with pytest.raises(ValueError, match=message):
        Tokenizer.from_table(rows)


def test_from_table_accepts_a_dataframe():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(Tokenizer().rules_table())
    frame.loc[frame.name == "emoji", "enabled"] = False
    tok = Tokenizer.from_table(frame)
    assert tok.tokenize("hi \U0001f602") == ["hi", "\U0001f602"]  # single non-space char
    assert tok.dynamic_rule_names == []


# -- sharing between threads --------------------------------------------------------------------


def test_pickle_copy_and_dict_round_trip(tok):
    text = "Soooo @x #y :) https://a.co \U0001f602 don't"
    for clone in (
        pickle.loads(pickle.dumps(tok)),
        copy.copy(tok),
        copy.deepcopy(tok),
        Tokenizer.from_dict(json.loads(json.dumps(tok.to_dict()))),
    ):
        assert clone == tok
        assert clone.tokenize_with_rules(text) == tok.tokenize_with_rules(text)


def test_with_specials_adds_only_new():
    tok = Tokenizer(specials=["[A]"])
    more = tok.with_specials(["[A]", "[B]"])
    assert more.specials == ("[A]", "[B]")
    assert tok.specials == ("[A]",)


def test_threads_share_one_tokenizer(tok):
    texts = [f"tweet {i} soooo good :) @u{i} #t{i}" for i in range(200)]
    expected = [tok.tokenize(t) for t in texts]
    results = [None] * 4

    def work(slot):
        results[slot] = [tok.tokenize(t) for t in texts]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r == expected for r in results)


def test_word_forms_exist_in_real_glove(shared_glove):
    words = set()
    with open(shared_glove, encoding="utf-8") as fh:
        for line in fh:
            words.add(line.split(" ", 1)[0])
    tokens = Tokenizer().tokenize(
        "They don't know it's 1,000 people -- we're so happy, it's long-term, I can't wait!"
    )
    specials = set(Tokenizer().special_tokens)
    missing = [t for t in tokens if t not in specials and t not in words]
    assert missing == []


def test_ptb_quotes_can_be_kept_straight_and_old_tokenizers_keep_them():
    text = 'he said "hi"'
    assert Tokenizer(ptb_quotes=False).tokenize(text) == ["he", "said", '"', "hi", '"']
    saved = Tokenizer().to_dict()
    assert saved["ptb_quotes"] is True
    assert Tokenizer.from_dict(saved).tokenize(text) == ["he", "said", "``", "hi", "''"]
    del saved["ptb_quotes"]  # a bundle saved before the option kept '"'
    assert Tokenizer.from_dict(saved).tokenize(text) == ["he", "said", '"', "hi", '"']
