"""Escapes written out as text and texts quoted twice: decoded, counted, never a crash."""

from pe_core.text_repair import decode_escapes, repair_texts, unquote


def test_escapes_are_decoded_with_surrogate_pairs_and_quotes():
    assert decode_escapes(r"Don\u2019t stop\u002c ok") == ("Don’t stop, ok", 2, 0)
    assert decode_escapes(r"wow \ud83d\ude02 \"fine\"") == ('wow 😂 "fine"', 3, 0)
    assert decode_escapes(r"upper \u00E9\uD83D\uDE00") == ("upper é😀", 2, 0)
    assert decode_escapes("no escape at all") == ("no escape at all", 0, 0)


def test_malformed_escapes_are_left_as_written_and_counted():
    text = r"lone \ud83d here, short \u12, low \udc00, cut \u"
    assert decode_escapes(text) == (text, 0, 4)
    assert decode_escapes(r"a \ud83d\u2019 b") == (r"a \ud83d’ b", 1, 1)


def test_other_backslashes_are_text_not_escapes():
    for text in (r"\(^-^ )/ hi", r"C:\new\table", r"a \\ b", r":\ meh", "\\"):
        assert decode_escapes(text) == (text, 0, 0)


def test_unquote_takes_only_whole_csv_fields():
    assert unquote('"National hot dog day."') == "National hot dog day."
    assert unquote('"like ""wtf help me out""') == 'like "wtf help me out"'  # closing quote cut
    assert unquote('""') == ""
    assert unquote('"Oh no, the bus is late') is None  # opened, never closed: a real quote
    assert unquote('"Hi" she said "bye"') is None  # inner quotes not doubled: real quotes
    assert unquote('say "hi"') is None
    assert unquote("plain") is None


def test_repair_counts_texts_and_keeps_one_example():
    texts = ['"He said ""no"" twice"', r"Don\u2019t", "fine", r"bad \u12 one", r"It\u2019s"]
    fix = repair_texts(texts)
    assert fix.texts == ['He said "no" twice', "Don’t", "fine", r"bad \u12 one", "It’s"]
    assert (fix.unquoted, fix.escaped, fix.malformed) == (1, 2, 1)
    assert fix.quote_example == ('"He said ""no"" twice"', 'He said "no" twice')
    assert fix.escape_example == (r"Don\u2019t", "Don’t")
    raw = repair_texts(texts, escapes=False, quotes=False)
    assert raw.texts == texts and (raw.unquoted, raw.escaped, raw.malformed) == (0, 0, 0)
    only_quotes = repair_texts(texts, escapes=False)
    assert only_quotes.texts[:2] == ['He said "no" twice', r"Don\u2019t"]


def test_examples_are_shortened_to_the_words_around_the_escape():
    long = "x" * 30 + " a very long opening before the first " + r"word\u2019s end and more"
    fix = repair_texts(['"' + "y" * 60 + '"', long])
    assert fix.escape_example == (r"first word\u2019s", "first word’s")
    assert fix.quote_example == ('"' + "y" * 39 + "…", "y" * 40 + "…")
