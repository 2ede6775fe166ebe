"""Labelled text datasets: the ``Dataset`` container and ``load_dataset`` (CSV / TSV / txt).

``load_dataset`` accepts a path or a file-like object (a Streamlit ``UploadedFile`` works),
detects encoding, delimiter, header and the text/label columns, drops unusable rows (counting
every one of them) and maps the label names to ints.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pe_core.filetypes import binary_kind
from pe_core.notices import Notice
from pe_core.vectors.parse import is_number  # one test of 'is this field a number'

TEXT_NAMES = ("text", "sentence", "tweet", "content", "review", "message", "body", "comment",
              "document", "post", "utterance")  # fmt: skip
LABEL_NAMES = ("label", "sentiment", "class", "target", "category", "polarity", "labels",
               "emotion", "stance", "y")  # fmt: skip
DELIMITERS = (",", "\t", ";", "|")
_SAMPLE_CHARS = 1 << 16
_FASTTEXT_PREFIX = "__label__"


@dataclass
class Dataset:
    """Texts with integer labels. Unpacks as ``texts, labels = dataset``.

    Attributes:
        texts: the texts.
        labels: int array, ``labels[i]`` indexes ``label_names``.
        label_names: the original label values as strings, in id order.
        source: where it came from.
        dropped: reason -> number of rows dropped (nothing is dropped silently).
        encoding: the text encoding the file was read with.
        delimiter: the field delimiter used ("" for none).
        columns: (text column, label column) as named in the file (or "column N").
        notes: other facts found while loading (encoding fallback, guessed columns, ...).
    """

    texts: list[str]
    labels: np.ndarray
    label_names: list[str]
    source: str = "memory"
    dropped: dict[str, int] = field(default_factory=dict)
    encoding: str = "utf-8"
    delimiter: str = ","
    columns: tuple[str, str] = ("text", "label")
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if len(self.texts) != len(self.labels):
            raise ValueError(
                f"texts has {len(self.texts)} entries but labels has {len(self.labels)}"
            )

    def __iter__(self):
        return iter((self.texts, self.labels))

    def __len__(self) -> int:
        return len(self.texts)

    def label_counts(self) -> dict[str, int]:
        counts = np.bincount(self.labels, minlength=len(self.label_names))
        return {name: int(c) for name, c in zip(self.label_names, counts, strict=True)}


# --------------------------------------------------------------------------- reading


def _read_input(path_or_file) -> tuple[bytes | str, str]:
    """Bytes (or str) of a path or a file-like object, and a name for messages."""
    if isinstance(path_or_file, str | os.PathLike):
        path = Path(path_or_file).expanduser()
        if not path.is_file():
            raise ValueError(f"dataset file not found: {path}")
        return path.read_bytes(), str(path)
    if not hasattr(path_or_file, "read"):
        raise ValueError(
            f"path_or_file must be a path or a file-like object, got {type(path_or_file).__name__}"
        )
    if hasattr(path_or_file, "seek"):
        path_or_file.seek(0)  # an upload may have been read before (e.g. for a preview)
    name = getattr(path_or_file, "name", None) or "uploaded file"
    return path_or_file.read(), str(name)


def _decode(raw: bytes | str, encoding: str | None, source: str) -> tuple[str, str, list[str]]:
    """Text, the encoding used and notes. UTF-8 (with or without BOM), else cp1252, else latin-1."""
    if isinstance(raw, str):
        return raw, "text", []
    if encoding is None and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"  # a BOM says so (Excel's "Unicode text" export)
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding, []
        except (UnicodeDecodeError, LookupError) as exc:
            raise ValueError(
                f"{source} cannot be decoded with encoding={encoding!r}: {exc}"
            ) from None
    if raw[:4] == b"PK\x03\x04" or b"\x00" in raw[:4096]:
        raise ValueError(
            f"{source} is not a text file (it is {binary_kind(raw[:64])}); save the table as "
            "CSV or TSV (UTF-8) and load that"
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    for fallback in ("cp1252", "latin-1"):
        try:
            text = raw.decode(fallback)
        except UnicodeDecodeError:
            continue
        note = (
            f"not valid UTF-8 (first bad byte at offset {first_bad}); decoded as {fallback}. "
            "Pass encoding=... if that is wrong"
        )
        return text, fallback, [note]
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _sample(text: str) -> str:
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    return sample


def _sniff_delimiter(sample: str, source: str) -> str:
    """The delimiter giving the most consistent field count of at least 2 over the sample."""
    best, best_score = "", (0.0, 0)
    tsv = source.lower().endswith(".tsv")
    # A tie goes to the first candidate: the tab for a .tsv, whose texts may hold commas.
    for delim in sorted(DELIMITERS, key=lambda d: d != "\t") if tsv else DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delim) if r]
        if len(rows) > 1 and "\n" not in sample[-1:] and len(sample) >= _SAMPLE_CHARS:
            rows = rows[:-1]  # the last sampled row may be cut
        counts = Counter(len(r) for r in rows)
        width, hits = counts.most_common(1)[0] if counts else (1, 0)
        if width < 2:
            continue
        score = (hits / len(rows), width)
        if score > best_score:
            best, best_score = delim, score
    if not best and tsv:
        return "\t"
    return best


# --------------------------------------------------------------------------- columns


def _norm(name: str) -> str:
    return name.strip().strip('"').lower()


def _known(cell: str, names: tuple[str, ...]) -> bool:
    n = _norm(cell)
    return n in names or any(n.endswith(("_" + k, " " + k)) or n.startswith(k + "_") for k in names)


def _has_header(rows: list[list[str]], text_column, label_column) -> bool:
    first, rest = rows[0], rows[1:1001]
    if isinstance(text_column, str) or isinstance(label_column, str):
        return True
    if any(_known(c, TEXT_NAMES + LABEL_NAMES) for c in first):
        return True
    for j, cell in enumerate(first):
        values = [r[j].strip() for r in rest if len(r) > j]
        distinct = set(values)
        if 2 <= len(distinct) <= max(10, len(values) // 20):
            return cell.strip() not in distinct  # a label-like column: is row 0 one of its values?
    try:
        return csv.Sniffer().has_header("\n".join(",".join(r) for r in rows[:50]))
    except csv.Error:
        return False


def _find_column(spec, header: list[str], role: str, source: str) -> int:
    if isinstance(spec, bool) or not isinstance(spec, int | str):
        raise ValueError(f"{role}_column must be a column name or index, got {spec!r}")
    if isinstance(spec, int):
        if not -len(header) <= spec < len(header):
            raise ValueError(
                f"{role}_column={spec} is out of range: {source} has {len(header)} columns {header}"
            )
        return spec % len(header)
    for j, name in enumerate(header):
        if name == spec or _norm(name) == _norm(spec):
            return j
    raise ValueError(f"{role}_column {spec!r} not found in {source}; columns found: {header}")


def _guess_columns(header, rows, text_column, label_column, source, notes) -> tuple[int, int]:
    """Column indices: given, else by name, else text = longest values, label = fewest values."""
    n = len(header)
    ti = _find_column(text_column, header, "text", source) if text_column is not None else None
    li = _find_column(label_column, header, "label", source) if label_column is not None else None
    if n < 2:
        raise ValueError(
            f"{source} has a single column {header}: need a text column and a label column "
            "(is the delimiter right? pass delimiter=...)"
        )
    for names, role in ((TEXT_NAMES, "text"), (LABEL_NAMES, "label")):
        if (ti if role == "text" else li) is not None:
            continue
        for name in names:
            hits = [j for j, h in enumerate(header) if _norm(h) == name and j not in (ti, li)]
            hits = hits or [
                j for j, h in enumerate(header) if _known(h, (name,)) and j not in (ti, li)
            ]
            if hits:
                ti, li = (hits[0], li) if role == "text" else (ti, hits[0])
                break
    sample = rows[:2000]
    if ti is None:
        lengths = {}
        for j in range(n):
            if j == li:
                continue
            vals = [r[j] for r in sample if len(r) > j and r[j].strip()]
            if vals and sum(is_number(v) for v in vals) < len(vals) / 2:
                lengths[j] = sum(len(v) for v in vals) / len(vals)
        if not lengths:
            raise ValueError(f"no text column in {source}: columns found {header} hold no text")
        ti = max(lengths, key=lengths.get)
        notes.append(f"guessed text column {header[ti]!r} (longest values)")
    if li is None:
        distinct = {
            j: len({r[j].strip() for r in sample if len(r) > j and r[j].strip()})
            for j in range(n)
            if j != ti
        }
        usable = {j: d for j, d in distinct.items() if d >= 2}
        if not usable:
            raise ValueError(
                f"no label column in {source}: columns found {header}; none besides the text "
                "has 2 or more distinct values. Pass label_column=..."
            )
        li = min(usable, key=usable.get)
        notes.append(f"guessed label column {header[li]!r} (fewest distinct values)")
    if ti == li:
        raise ValueError(f"text_column and label_column are the same column {header[ti]!r}")
    return ti, li


# --------------------------------------------------------------------------- rows


def _fasttext_rows(text: str) -> list[list[str]] | None:
    """``__label__pos some text`` lines (fastText's format) as [text, label] rows, else None."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not all(ln.startswith(_FASTTEXT_PREFIX) for ln in lines[:50]):
        return None
    rows = []
    for ln in lines:
        label, _, body = ln.partition(" ")
        rows.append(
            [body, label[len(_FASTTEXT_PREFIX) :] if label.startswith(_FASTTEXT_PREFIX) else ""]
        )
    return rows


def _fit_width(rows, width: int, ti: int, delim: str, dropped: Counter, notes: list[str]):
    """Rows of exactly ``width`` fields: trailing empty fields trimmed, an unquoted delimiter in
    a first/last text column joined back, other misfits dropped and counted."""
    out, joined = [], 0
    for row in rows:
        if len(row) > width and not any(c.strip() for c in row[width:]):
            row = row[:width]
        if len(row) > width and ti in (0, width - 1):
            extra = len(row) - width
            if ti == 0:
                row = [delim.join(row[: extra + 1]), *row[extra + 1 :]]
            else:
                row = [*row[:ti], delim.join(row[ti:])]
            joined += 1
        if len(row) != width:
            dropped["wrong number of fields"] += 1
            continue
        out.append(row)
    if joined:
        notes.append(
            f"{joined} rows had the delimiter {delim!r} unquoted inside the text; rejoined"
        )
    return out


def _read_rows(text: str, delim: str, notes: list[str]) -> list[list[str]]:
    """CSV rows, read again without quoting when a quoted field swallowed other rows.

    A text that starts with ``"`` and has no closing quote on its line makes the csv module
    read on, across line ends, until the next quote: whole rows, labels included, end up
    inside one text. Such a field is recognised by continuation lines shaped like rows of the
    file (as many fields, and a value in a label-like column seen in ordinary rows).
    """
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    swallowed = _swallowed_rows(rows, delim)
    if not swallowed:
        return rows
    fields, lines = len(swallowed), sum(swallowed)
    notes.append(
        f"{fields:,} quoted field(s) ran across line ends and swallowed {lines:,} other row(s) "
        '(a text starting with " has no closing quote); the file was read again without '
        "quoting, one line per row"
    )
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim, quoting=csv.QUOTE_NONE))


def _swallowed_rows(rows: list[list[str]], delim: str) -> list[int]:
    """For each field holding other rows of the file: how many rows it swallowed."""
    single = [r for r in rows if not any("\n" in c or "\r" in c for c in r)]
    if not single:
        return []
    width = Counter(len(r) for r in single).most_common(1)[0][0]
    # Label-like columns: few distinct values among ordinary rows (a label, a class id).
    label_values = []
    for j in range(width):
        values = Counter(r[j].strip() for r in single if len(r) == width)
        if 0 < len(values) <= 50:
            label_values.append((j, set(values)))
    found = []
    for row in rows:
        for cell in row:
            if "\n" not in cell:
                continue
            like = 0
            for line in cell.splitlines()[1:]:
                parts = line.split(delim)
                if len(parts) == width and any(parts[j].strip() in v for j, v in label_values):
                    like += 1
            if like:
                found.append(like)
    return found


def _label_order(names: set[str]) -> list[str]:
    """Numbers sorted numerically (then as text to break ties like '1' / '1.0'), else as text."""
    if all(is_number(n) for n in names):
        return sorted(names, key=lambda n: (float(n), n))
    return sorted(names)


@dataclass
class Table:
    """A delimited file read the way ``load_dataset`` reads it, before the columns are chosen.

    Attributes:
        columns: the header's column names (``"column 0"``, ... when the file has no header).
        has_header: whether the first row was a header.
        delimiter: the delimiter found ("" for one column or fastText lines).
        encoding: the encoding used.
        rows: the data rows (blank lines removed and counted in ``dropped``).
        notes, dropped: what was found and dropped so far.
    """

    columns: list[str]
    has_header: bool
    delimiter: str
    encoding: str
    rows: list[list[str]] = field(repr=False)
    notes: list[str] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)

    def guess_columns(self, source: str = "the table") -> tuple[int, int]:
        """(text, label) column indices as ``load_dataset`` would guess them."""
        return _guess_columns(self.columns, self.rows, None, None, source, list(self.notes))


def _read_table(raw, source, delimiter, encoding, text_column=None, label_column=None) -> Table:
    """Decode, sniff the delimiter, split rows, find the header: the one reading of a table."""
    text, used_encoding, notes = _decode(raw, encoding, source)
    if not text.strip():
        raise ValueError(f"{source} is empty; expected CSV/TSV rows with a text and a label column")
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # a 1 MB cell must load
    dropped: Counter = Counter()
    rows = None if delimiter or text_column is not None else _fasttext_rows(text)
    if rows is not None:
        notes.append("fastText format (__label__<name> <text>)")
        return Table(["text", "label"], False, "", used_encoding, rows, notes, dropped)
    delim = delimiter or _sniff_delimiter(_sample(text), source)
    rows = _read_rows(text, delim, notes) if delim else [[ln] for ln in text.splitlines()]
    blank = sum(1 for r in rows if not any(c.strip() for c in r))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if blank:
        dropped["blank line"] += blank
    has_header = _has_header(rows, text_column, label_column)
    width = Counter(len(r) for r in rows[has_header : has_header + 1000]).most_common(1)
    width = len(rows[0]) if has_header or not width else width[0][0]
    header = [c.strip() for c in rows[0]] if has_header else [f"column {j}" for j in range(width)]
    rows = rows[1:] if has_header else rows
    if not rows:
        raise ValueError(f"{source} has a header {header} but no data rows")
    return Table(header, has_header, delim, used_encoding, rows, notes, dropped)


def read_table(path_or_file, *, delimiter: str | None = None, encoding: str | None = None):
    """A CSV / TSV read as ``load_dataset`` reads it, before any column is chosen.

    The app's column pickers use this (and :meth:`Table.guess_columns`), so they show exactly
    the split that loading then uses. Pass the chosen indices to
    ``load_dataset(text_column=..., label_column=...)``.
    """
    raw, source = _read_input(path_or_file)
    return _read_table(raw, source, delimiter, encoding)


def load_dataset(
    path_or_file,
    text_column: str | int | None = None,
    label_column: str | int | None = None,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    min_rows: int = 20,
    decode_escapes: bool = True,
    unquote_texts: bool = True,
) -> Dataset:
    """Load a labelled text dataset from CSV / TSV / txt (or fastText ``__label__x text`` lines).

    Args:
        path_or_file: a path, or a file-like object returning bytes or str (a Streamlit upload).
        text_column, label_column: a column name (case-insensitive) or 0-based index; guessed
            when None: by name (text, sentence, tweet, ... / label, sentiment, class, ...), else
            the text is the column with the longest values and the label the one with the fewest
            distinct values.
        delimiter: default detected among ``, TAB ; |``.
        encoding: default UTF-8 (BOM allowed), falling back to cp1252 then latin-1 (recorded in
            ``.encoding`` and ``.notes``).
        min_rows: fewest usable rows accepted.
        decode_escapes: decode escapes written out in the texts (``Don\\u2019t`` -> ``Don’t``,
            ``\\"`` -> ``"``; see :mod:`pe_core.text_repair`); a malformed one is kept as written.
        unquote_texts: unquote texts that are a quoted CSV field themselves (``"say ""hi"" now"``
            -> ``say "hi" now``, quoted twice by an export).

    Returns:
        ``Dataset``; labels are ints indexing ``label_names`` (sorted; numerically when every
        label is a number). Rows with empty text or label, or the wrong number of fields, are
        dropped and counted in ``.dropped``.

    Raises:
        ValueError: empty file, column not found, no text/label column, fewer than 2 classes,
            fewer than ``min_rows`` usable rows; the message names what was found.
    """
    raw, source = _read_input(path_or_file)
    table = _read_table(raw, source, delimiter, encoding, text_column, label_column)
    header, rows, notes, dropped = table.columns, table.rows, table.notes, table.dropped
    ti, li = _guess_columns(header, rows, text_column, label_column, source, notes)
    rows = _fit_width(rows, len(header), ti, table.delimiter, dropped, notes)
    texts, labels = [], []
    for row in rows:
        t, lab = row[ti].strip(), row[li].strip()
        if not t:
            dropped["empty text"] += 1
        elif not lab:
            dropped["empty label"] += 1
        else:
            texts.append(t)
            labels.append(lab)
    texts = _repaired(texts, notes, decode_escapes, unquote_texts)
    return _finish(texts, labels, source, dropped, notes, min_rows,
                   encoding=table.encoding, delimiter=table.delimiter, columns=(header[ti], header[li]))  # fmt: skip


def _repaired(texts: list[str], notes: list[str], escapes: bool, quotes: bool) -> list[str]:
    """The texts with an export's escapes and second quotes undone, each repair in ``notes``."""
    from pe_core.text_repair import repair_texts

    fix = repair_texts(texts, escapes=escapes, quotes=quotes)
    if fix.unquoted:
        before, after = fix.quote_example
        notes.append(
            Notice(
                "{n:,} texts were a quoted CSV field themselves (quoted twice on export) and "
                "were unquoted: e.g. “{before}” → “{after}”; {@unquote_texts=False} keeps "
                "them as written",
                n=fix.unquoted,
                before=before,
                after=after,
            )
        )
    if fix.escaped:
        before, after = fix.escape_example
        bad = "; {bad:,} malformed escape(s) were left as written" if fix.malformed else ""
        notes.append(
            Notice(
                '{n:,} texts held escapes written out as text (\\u2019, \\"), decoded: e.g. '
                "“{before}” → “{after}”" + bad + "; {@decode_escapes=False} keeps them raw",
                n=fix.escaped,
                before=before,
                after=after,
                bad=fix.malformed,
            )
        )
    return fix.texts


def _finish(texts, labels, source, dropped, notes, min_rows, **info) -> Dataset:
    """Validate the usable rows and map label names to ints."""
    lost = ", ".join(f"{k}: {v}" for k, v in dropped.items()) or "none"
    if not texts:
        raise ValueError(
            f"{source} has no usable rows (all texts or labels empty); dropped: {lost}"
        )
    names = _label_order(set(labels))
    if len(names) < 2:
        raise ValueError(
            f"{source}: the label column {info['columns'][1]!r} has one class ({names[0]!r}); "
            "training needs at least 2 classes"
        )
    if len(texts) < min_rows:
        raise ValueError(
            f"{source} has {len(texts)} usable rows; at least {min_rows} are needed "
            f"(min_rows); dropped: {lost}"
        )
    ids = {name: i for i, name in enumerate(names)}
    return Dataset(
        texts,
        np.array([ids[lab] for lab in labels], dtype=np.int64),
        names,
        source=source,
        dropped=dict(dropped),
        notes=notes,
        **info,
    )
