from types import SimpleNamespace

from pe_core.data_report import (
    Figure,
    dropped_rows,
    skipped_lines,
    trainable_line,
    vocabulary_figures,
)


def _vocab(**stats):
    return SimpleNamespace(
        num_frozen=8453,
        num_trainable=12,
        dim=50,
        stats=stats,
        token_kinds=["unk", "special", "special", "oov", "oov", "oov", *["special"] * 6],
    )


def test_the_seven_figures_of_a_vocabulary():
    figures = vocabulary_figures(
        _vocab(oov_rate=0.0312, unk_rate=0.004, coverage=0.9876, max_oov_rows=845)
    )
    assert [(f.label, f.value) for f in figures] == [
        ("V frozen words", "8,453"),
        ("k trainable tokens", "12"),
        ("d dimensions", "50"),
        ("Trainable params", "600"),
        ("OOV rate", "3.1%"),
        ("<unk> rate", "0.4%"),
        ("Coverage", "98.8%"),
    ]
    assert figures[3].delta == "frozen: 422,650"
    assert [f.delta for f in figures if f.label != "Trainable params"] == [None] * 6
    assert figures[0].help is None and "<unk>" in figures[5].help


def test_missing_rates_read_as_zero():
    figures = vocabulary_figures(_vocab())
    assert [f.value for f in figures[4:]] == ["0.0%", "0.0%", "0.0%"]
    assert isinstance(figures[0], Figure)


def test_what_loading_skipped_and_dropped():
    reasons = {"short": "lines with too few numbers"}
    assert skipped_lines({}, reasons) is None
    assert skipped_lines({"short": 1234, "odd": 2}, reasons) == (
        "While loading: 1,234 lines with too few numbers; 2 odd"
    )
    assert dropped_rows({}) is None
    assert dropped_rows({"empty text": 3, "no label": 1500}) == (
        "Dropped rows: empty text: 3, no label: 1,500"
    )


def test_the_trainable_line_with_and_without_a_cap():
    line = trainable_line(_vocab(trainable_share=0.00142, max_oov_rows=845))
    assert line == (
        "**12 trainable rows** for 8,453 frozen words (0.1%); OOV rows: 3 of at most 845."
    )
    assert trainable_line(_vocab()).endswith("OOV rows: 3 of at most no cap.")
