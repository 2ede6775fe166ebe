"""Turning uploaded bytes into Vectors / Dataset through pe_core, the same path the page uses.

Uploaded bytes are written to a private temporary file and read by the pe_core text loaders;
nothing uploaded is executed or unpickled. Tests call these functions directly with bytes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

VECTOR_SUFFIXES = (".txt", ".vec", ".gz", ".zip")
DATASET_SUFFIXES = (".csv", ".tsv", ".txt")


def vector_files(names: list[str]) -> list[str]:
    """The names among ``names`` that a vectors loader reads (README files left out)."""
    return [n for n in names if n.lower().endswith(VECTOR_SUFFIXES) and "readme" not in n.lower()]


def _suffix(name: str, allowed: tuple[str, ...], what: str) -> str:
    suffixes = [s.lower() for s in Path(name).suffixes]
    if not suffixes or suffixes[-1] not in allowed:
        raise ValueError(
            f"{what} file {name!r} has an unsupported extension; use one of {', '.join(allowed)}"
        )
    # Keep ".txt.gz" style double suffixes: the loader picks the format from the name.
    return "".join(suffixes[-2:]) if len(suffixes) > 1 and len(suffixes[-2]) <= 5 else suffixes[-1]


#: Bytes copied per step from an upload to its temporary file.
COPY_CHUNK = 1 << 20


@contextmanager
def temp_copy(name: str, data: bytes | BinaryIO, suffix: str) -> Iterator[Path]:
    """``data`` (bytes, or a binary file such as Streamlit's upload) in a temporary file ending
    in ``suffix``; removed afterwards.

    A file is copied in 1 MB chunks, never read whole: a 1 GB upload is then held once (by
    Streamlit) rather than twice. A ``ValueError`` raised inside names the user's file, never
    the temporary path (the pe_core loaders name the path they were given).
    """
    fd, tmp = tempfile.mkstemp(prefix="pe_lab_upload_", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, bytes | bytearray | memoryview):
                f.write(data)
            else:
                data.seek(0)
                shutil.copyfileobj(data, f, COPY_CHUNK)
            size = f.tell()
        if not size:
            raise ValueError(f"the uploaded file {name!r} is empty; choose a file with content")
        yield Path(tmp)
    except ValueError as err:
        raise ValueError(_user_message(str(err), Path(tmp), name)) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _user_message(message: str, tmp: Path, name: str) -> str:
    """``message`` with the temporary path replaced by the uploaded file's name, and library
    advice (keyword arguments a page user cannot pass) turned into what to do on the page."""
    for internal in (str(tmp), tmp.name):
        message = message.replace(internal, repr(name))
    return message.replace(
        ". Fix the file, or pass on_bad_line='skip' to skip such lines (they are counted)",
        ". Fix that line of the file and upload it again",
    )


def vectors_from_upload(
    name: str,
    data: bytes | BinaryIO,
    max_words: int | None = None,
    progress=None,
    fix_mojibake=False,
):
    """Read uploaded GloVe / word2vec / fastText text (.txt, .vec, .gz, .zip) into ``Vectors``.

    ``data`` may be the upload itself (a file): it is streamed to disk, then parsed from there.
    """
    suffix = _suffix(name, VECTOR_SUFFIXES, "vectors")
    with temp_copy(name, data, suffix) as path:
        from pe_core.vectors import load_vectors

        vectors = load_vectors(
            path, max_words=max_words, cache=False, progress=progress, fix_mojibake=fix_mojibake
        )
    vectors.source = f"upload: {name}"
    return vectors


def dataset_from_upload(name: str, data: bytes, text_column=None, label_column=None, **options):
    """Read an uploaded CSV / TSV into a ``Dataset`` with the chosen columns (``options``: more
    keywords of ``load_dataset``, e.g. ``decode_escapes``)."""
    suffix = _suffix(name, DATASET_SUFFIXES, "dataset")
    with temp_copy(name, data, suffix) as path:
        from pe_core.datasets import load_dataset

        dataset = load_dataset(path, text_column=text_column, label_column=label_column, **options)
    dataset.source = f"upload: {name}"
    return dataset


def table_columns(name: str, data: bytes) -> tuple[list[str], int, int]:
    """Columns of an uploaded CSV / TSV and the (text, label) columns loading would guess.

    Read by ``pe_core.datasets.inspect_table``, the same reading ``load_dataset`` does, so the
    pickers show exactly the split that is then loaded (headerless files: "column 0", ...).
    """
    import io

    from pe_core.datasets import read_table

    _suffix(name, DATASET_SUFFIXES, "dataset")
    if not data.strip():
        raise ValueError(f"the uploaded file {name!r} is empty; upload a CSV/TSV with a header row")
    upload = io.BytesIO(data)
    upload.name = name
    table = read_table(upload)  # its messages name the upload
    if len(table.columns) < 2:
        row = "a header row with only one column" if table.has_header else "only one column"
        raise ValueError(
            f"{name!r} has {row} ({table.columns[0]!r}); it needs a text column and a label "
            "column, separated by commas, tabs, semicolons or |"
        )
    text_index, label_index = table.guess_columns(repr(name))
    return table.columns, text_index, label_index
