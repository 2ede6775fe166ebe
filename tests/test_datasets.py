"""load_dataset: delimiters, headers, encodings, columns, dropped rows and every refusal."""

from __future__ import annotations

import io

import numpy as np
import pytest

from pe_core.datasets import Dataset, load_dataset

POS = ["I love this phone", "great service, thanks", "what a lovely day", "best coffee ever"]
NEG = ["worst delivery ever", "I hate waiting", "this is awful", "never again, really"]


def rows(n=24):
    """n (text, label) pairs alternating pos / neg."""
    return [(POS[i % 4], "pos") if i % 2 == 0 else (NEG[i % 4], "neg") for i in range(n)]


def csv_text(pairs, header=("text", "label"), delim=",", newline="\n") -> str:
    def q(s):
        return '"' + s.replace('"', '""') + '"' if (delim in s or "\n" in s or '"' in s) else s

    lines = [delim.join(header)] if header else []
    lines += [delim.join(q(c) for c in pair) for pair in pairs]
    return newline.join(lines) + newline


def write(tmp_path, content, name="d.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_csv_with_header(tmp_path):
    ds = load_dataset(write(tmp_path, csv_text(rows())))
    assert isinstance(ds, Dataset) and len(ds) == 24
    assert ds.texts[:2] == [POS[0], NEG[1]]
    assert ds.label_names == ["neg", "pos"]
    assert ds.labels[:4].tolist() == [1, 0, 1, 0]
    assert ds.label_counts() == {"neg": 12, "pos": 12}
    assert (ds.delimiter, ds.columns, ds.encoding, ds.dropped) == (
        ",",
        ("text", "label"),
        "utf-8",
        {},
    )
    texts, labels = ds
    assert texts == ds.texts and labels is ds.labels


def test_headerless_two_columns_guess_text_and_label(tmp_path):
    ds = load_dataset(write(tmp_path, csv_text([(lab, t) for t, lab in rows()], header=None)))
    assert len(ds) == 24 and ds.texts[0] == POS[0]
    assert ds.columns == ("column 1", "column 0")
    assert ds.label_names == ["neg", "pos"]


def test_headerless_numeric_labels(tmp_path):
    pairs = [(t, "4" if lab == "pos" else "0") for t, lab in rows()]
    ds = load_dataset(write(tmp_path, csv_text(pairs, header=None)))
    assert len(ds) == 24 and ds.label_names == ["0", "4"]


def test_tsv_and_semicolons(tmp_path):
    ds = load_dataset(
        write(tmp_path, csv_text(rows(), header=("tweet", "sentiment"), delim="\t"), "d.tsv")
    )
    assert (ds.delimiter, ds.columns, len(ds)) == ("\t", ("tweet", "sentiment"), 24)
    ds = load_dataset(write(tmp_path, csv_text(rows(), header=("review", "class"), delim=";")))
    assert (ds.delimiter, ds.columns, len(ds)) == (";", ("review", "class"), 24)
    assert ds.texts[2] == POS[2]


def test_columns_by_name_guessing_among_many(tmp_path):
    header = ("id", "Polarity", "date", "Tweet_Text")
    data = [(str(i), lab, "2020-01-01", t) for i, (t, lab) in enumerate(rows())]
    ds = load_dataset(write(tmp_path, csv_text(data, header=header)))
    assert ds.columns == ("Tweet_Text", "Polarity") and ds.texts[0] == POS[0]


def test_columns_given_by_name_or_index(tmp_path):
    header = ("a", "b", "c")
    data = [(t, lab, "x") for t, lab in rows()]
    path = write(tmp_path, csv_text(data, header=header))
    ds = load_dataset(path, text_column="A", label_column="b")
    assert ds.columns == ("a", "b") and ds.texts[0] == POS[0]
    ds = load_dataset(path, text_column=0, label_column=-2)
    assert ds.columns == ("a", "b")


def test_embedded_newlines_quotes_and_crlf(tmp_path):
    data = [("line one\nline two", "pos"), ('she said "hi", then left', "neg")] + rows(22)
    ds = load_dataset(write(tmp_path, csv_text(data, newline="\r\n")))
    assert ds.texts[0] == "line one\nline two"
    assert ds.texts[1] == 'she said "hi", then left'
    assert len(ds) == 24 and ds.dropped == {}
    assert all("\r" not in t for t in ds.texts)


def test_cp1252_bytes_fall_back_and_are_recorded(tmp_path):
    data = csv_text(rows()).encode() + "caf\xe9 \u2013 \u201cgood\u201d,pos\n".encode("cp1252")
    ds = load_dataset(write(tmp_path, data))
    assert ds.texts[-1] == "café \u2013 \u201cgood\u201d"
    assert ds.encoding == "cp1252"
    assert "not valid UTF-8" in ds.notes[0]


def test_utf8_bom_and_explicit_encoding(tmp_path):
    ds = load_dataset(write(tmp_path, b"\xef\xbb\xbf" + csv_text(rows()).encode()))
    assert ds.columns == ("text", "label") and ds.encoding == "utf-8"
    path = write(tmp_path, csv_text(rows()).encode("utf-16"))
    assert len(load_dataset(path, encoding="utf-16")) == 24
    with pytest.raises(ValueError, match="cannot be decoded with encoding='ascii'"):
        load_dataset(write(tmp_path, "text,label\ncafé,a\n"), encoding="ascii")


def test_file_like_bytes_and_text(tmp_path):
    upload = io.BytesIO(csv_text(rows()).encode())
    upload.name = "upload.csv"
    upload.read()  # a preview already consumed it
    ds = load_dataset(upload)
    assert len(ds) == 24 and ds.source == "upload.csv"
    assert len(load_dataset(io.StringIO(csv_text(rows())))) == 24


def test_dropped_rows_are_counted(tmp_path):
    data = csv_text(rows()) + '"",pos\n   ,neg\nno label,\nlonely\n\n'
    ds = load_dataset(write(tmp_path, data))
    assert len(ds) == 24
    assert ds.dropped == {
        "empty text": 2,
        "empty label": 1,
        "wrong number of fields": 1,
        "blank line": 1,
    }


def test_unquoted_delimiter_in_text_is_rejoined(tmp_path):
    data = csv_text(rows()) + "sure, why not,pos\n"
    ds = load_dataset(write(tmp_path, data))
    assert ds.texts[-1] == "sure, why not" and ds.dropped == {}
    assert any("unquoted" in n for n in ds.notes)


def test_trailing_empty_fields_are_trimmed(tmp_path):
    ds = load_dataset(write(tmp_path, csv_text(rows()).replace("\n", ",\n")))
    assert len(ds) == 24 and ds.dropped == {}


def test_numeric_labels_sorted_numerically(tmp_path):
    pairs = [(t, ["10", "2", "-1"][i % 3]) for i, (t, _) in enumerate(rows())]
    ds = load_dataset(write(tmp_path, csv_text(pairs)))
    assert ds.label_names == ["-1", "2", "10"]
    assert ds.labels[:3].tolist() == [2, 1, 0]


def test_mixed_labels_sorted_as_strings(tmp_path):
    pairs = [(t, ["1", "pos", "10"][i % 3]) for i, (t, _) in enumerate(rows())]
    ds = load_dataset(write(tmp_path, csv_text(pairs)))
    assert ds.label_names == ["1", "10", "pos"]


def test_one_megabyte_cell(tmp_path):
    big = "word " * 220_000
    ds = load_dataset(write(tmp_path, csv_text([(big.strip(), "pos")] + rows())))
    assert len(ds.texts[0]) == len(big.strip()) and len(ds) == 25


def test_fasttext_label_format(tmp_path):
    data = "".join(f"__label__{lab} {t}\n" for t, lab in rows())
    ds = load_dataset(write(tmp_path, data, "train.txt"))
    assert ds.texts[0] == POS[0] and ds.label_names == ["neg", "pos"] and len(ds) == 24


# ----------------------------------------------------------------------------- refusals


def test_empty_file(tmp_path):
    with pytest.raises(ValueError, match="is empty"):
        load_dataset(write(tmp_path, "  \n\n"))


def test_header_only(tmp_path):
    with pytest.raises(ValueError, match=r"header \['text', 'label'\] but no data rows"):
        load_dataset(write(tmp_path, "text,label\n"))


def test_given_column_not_found_lists_columns(tmp_path):
    path = write(tmp_path, csv_text(rows(), header=("tweet", "sentiment")))
    with pytest.raises(
        ValueError, match=r"text_column 'body' not found .*\['tweet', 'sentiment'\]"
    ):
        load_dataset(path, text_column="body")
    with pytest.raises(ValueError, match=r"label_column=5 is out of range"):
        load_dataset(path, label_column=5)


def test_no_text_column(tmp_path):
    data = csv_text([(str(i), str(i % 2)) for i in range(30)], header=("id", "score"))
    with pytest.raises(ValueError, match=r"no text column .*\['id', 'score'\]"):
        load_dataset(write(tmp_path, data))


def test_single_column(tmp_path):
    with pytest.raises(ValueError, match=r"single column \['text'\]"):
        load_dataset(write(tmp_path, "text\nhello\nworld\n"))


def test_one_class(tmp_path):
    pairs = [(t, "pos") for t, _ in rows()]
    with pytest.raises(ValueError, match="has one class \\('pos'\\); training needs at least 2"):
        load_dataset(write(tmp_path, csv_text(pairs)), label_column="label")


def test_too_few_rows(tmp_path):
    with pytest.raises(ValueError, match=r"has 6 usable rows; at least 20 .*empty text: 1"):
        load_dataset(write(tmp_path, csv_text(rows(6)) + ",pos\n"))
    assert len(load_dataset(write(tmp_path, csv_text(rows(6))), min_rows=5)) == 6


def test_all_texts_empty(tmp_path):
    with pytest.raises(ValueError, match="no usable rows .*empty text: 3"):
        load_dataset(write(tmp_path, 'text,label\n"",a\n"  ",b\n,a\n'))


def test_spreadsheet_refused(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"d\.xlsx is not a text file \(it is a zip archive, e\.g\. an \.xlsx spreadsheet\); "
        r"save the table as CSV or TSV \(UTF-8\) and load that$",
    ):
        load_dataset(write(tmp_path, b"PK\x03\x04 rest of an xlsx", "d.xlsx"))


def test_missing_path_and_bad_type(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_dataset(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="path or a file-like"):
        load_dataset(42)


def test_labels_array_dtype(tmp_path):
    ds = load_dataset(write(tmp_path, csv_text(rows())))
    assert ds.labels.dtype == np.int64


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
        (b"%PDF-1.7\n\x00", "a PDF document"),
        (b"\xff\xd8\xff\xe0\x00", "a JPEG image"),
        (b"3 2\n\x00\x01", "binary word2vec data (a .bin file)"),
        (b"\x00\x01\x02", "binary data"),
    ],
)
def test_binary_files_are_named_by_their_first_bytes(head, kind):
    from pe_core.filetypes import binary_kind

    assert binary_kind(head) == kind


def test_an_unclosed_quote_does_not_swallow_the_next_rows(tmp_path):
    # A real export's shape: label<TAB>text, no header, no quoting; message 3 starts with a
    # quote that is never closed, which made the csv module swallow the next two rows.
    lines = [("ham" if i % 3 else "spam", f"message number {i} here") for i in range(30)]
    lines[3] = ("ham", '"Oh no, where is it? The bus is late')
    path = tmp_path / "sms.tsv"
    path.write_text("".join(f"{lab}\t{text}\n" for lab, text in lines), encoding="utf-8")
    ds = load_dataset(path)
    assert len(ds) == 30 and ds.dropped == {}
    assert ds.texts[3] == '"Oh no, where is it? The bus is late'
    assert ds.texts[4] == "message number 4 here"
    assert not any("\n" in t or "\t" in t for t in ds.texts)  # no text holds other rows
    assert [ds.label_names[i] for i in ds.labels] == [lab for lab, _ in lines]
    assert (
        "1 quoted field(s) ran across line ends and swallowed 26 other row(s) (a text starting "
        'with " has no closing quote); the file was read again without quoting, one line per row'
    ) in ds.notes


def test_a_real_multi_line_quoted_text_is_kept(tmp_path):
    rows = [
        f'"text {i}, first line\nsecond line {i}",{"pos" if i % 2 else "neg"}' for i in range(24)
    ]
    path = tmp_path / "multi.csv"
    path.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ds = load_dataset(path)
    assert len(ds) == 24 and ds.texts[0] == "text 0, first line\nsecond line 0"
    assert not any("quoted field" in n for n in ds.notes)


def test_a_tsv_whose_texts_hold_commas_splits_on_the_tab(tmp_path):
    # Every line has one comma and one tab, so both split it into 2 fields: the tie goes to the
    # tab for a .tsv (it went to the comma, which cut each text in two and found no label).
    path = tmp_path / "sms.tsv"
    path.write_text(
        "\n".join(f"{'ham' if i % 3 else 'spam'}\tcall me at {i}, ok" for i in range(30)),
        encoding="utf-8",
    )
    ds = load_dataset(path)
    assert ds.delimiter == "\t"
    assert ds.texts[:2] == ["call me at 0, ok", "call me at 1, ok"]
    assert ds.label_names == ["ham", "spam"]


def test_escapes_and_second_quotes_are_undone_with_a_notice(tmp_path):
    from pe_core.notices import Wording

    lines = ["text\tlabel"]
    lines += [
        '"""Don\\u2019t stop\\u002c please"""\tpos',  # quoted twice, escapes inside
        "wow \\ud83d\\ude02 \\ud83d\tneg",  # a pair decoded, a lone surrogate kept
        "plain\tpos",
    ]
    lines += [f"{t}\t{lab}" for t, lab in rows(20)]
    path = tmp_path / "tweets.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ds = load_dataset(path)
    assert ds.texts[:3] == ["Don’t stop, please", "wow 😂 \\ud83d", "plain"]
    assert ds.notes == [
        "1 texts were a quoted CSV field themselves (quoted twice on export) and were unquoted: "
        'e.g. “"Don\\u2019t stop\\u002c please"” → “Don\\u2019t stop\\u002c please”; '
        "unquote_texts=False keeps them as written",
        '2 texts held escapes written out as text (\\u2019, \\"), decoded: e.g. '
        "“Don\\u2019t” → “Don’t”; 1 malformed escape(s) were left as written; "
        "decode_escapes=False keeps them raw",
    ]
    app = Wording({"decode_escapes": "Decode"}, {"decode_escapes": {False: "unticking “Decode”"}})
    assert ds.notes[1].worded(app).endswith("; unticking “Decode” keeps them raw")
    raw = load_dataset(path, decode_escapes=False, unquote_texts=False)
    assert raw.texts[:2] == ['"Don\\u2019t stop\\u002c please"', "wow \\ud83d\\ude02 \\ud83d"]
    assert raw.notes == []


def test_real_tweets_lose_their_escape_and_quote_artefacts(shared_glove):
    from pe_core.tokens import Tokenizer

    ds = load_dataset(shared_glove.parent / "tweeteval_sentiment_val.tsv")
    assert len(ds) == 2000
    assert [n.split(" texts ")[0] for n in ds.notes] == ["290", "220"]
    tokens = {tok for text in ds.texts for tok in Tokenizer().tokenize(text)}
    assert not {t for t in tokens if t.startswith(("u2019", "u002c")) or "\\" in t} - {
        "\\"  # the one backslash left is the emoticon \(^-^ )/ of one tweet
    }
    assert sum(text.count("\\") for text in ds.texts) == 1
