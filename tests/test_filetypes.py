import pytest

from pe_core.filetypes import binary_kind


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
        (b"\xff\xd8\xff\xe0JFIF", "a JPEG image"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"PK\x03\x04rest", "a zip archive, e.g. an .xlsx spreadsheet"),
        (b"3000000 300\n\x00\x01\x02", "binary word2vec data (a .bin file)"),
        (b"\x00\x01\x02\x03", "binary data"),
    ],
)
def test_binary_kind_names_the_file_by_its_first_bytes(head, kind):
    assert binary_kind(head) == kind
