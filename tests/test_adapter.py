"""pe_core.adapter: the k trained rows as a small file, and putting them into any vectors."""

import io
import json
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest

from pe_core import adapter as A
from pe_core.vectors import Vectors

WORDS = ["the", "good", "bad", "happy"]
MATRIX = np.arange(12, dtype=np.float32).reshape(4, 3) / 4


@pytest.fixture
def result():
    initial = np.array([[0, 0, 0], [0.5, 0.5, 0.5], MATRIX[3]], dtype=np.float32)
    trained = np.array([[1, 2, 3], [-1, 0.25, 4], [9, 8, 7]], dtype=np.float32)
    return SimpleNamespace(
        tokens=["<unk>", "<smile>", "happy"],
        token_kinds=["unk", "special", "promoted"],
        trajectory=np.stack([initial, (initial + trained) / 2, trained]),
        steps=np.array([0, 10, 20]),
        epochs=np.array([0.0, 0.5, 1.0]),
        variant="dual",
    )


def test_the_adapter_holds_only_the_k_rows_and_reads_back_exactly(result):
    adapter = A.adapter_from_result(result)
    data = A.adapter_bytes(adapter)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == sorted(A.MEMBERS)
        meta = json.loads(zf.read("adapter.json"))
    assert meta["tokens"] == result.tokens and meta["kinds"] == result.token_kinds
    assert (meta["k"], meta["dim"], meta["step"], meta["snapshot"]) == (3, 3, 20, 2)
    back = A.load_adapter(data)
    assert back.tokens == result.tokens and back.kinds == result.token_kinds
    np.testing.assert_array_equal(back.rows, result.trajectory[-1])
    np.testing.assert_array_equal(back.initial_rows, result.trajectory[0])
    assert back.info["step"] == 20 and back.info["variant"] == "dual"
    earlier = A.load_adapter(A.adapter_bytes(A.adapter_from_result(result, snapshot=1)))
    np.testing.assert_array_equal(earlier.rows, result.trajectory[1])


def test_its_size_depends_on_k_and_d_only(result, tmp_path):
    small = A.adapter_from_result(result)
    path = A.save_adapter(small, tmp_path / "a.zip")
    size = len(open(path, "rb").read())
    # Two float32 (3, 3) arrays with their .npy headers, the JSON and the zip directory.
    assert 2 * 3 * 3 * 4 < size < 2 * 3 * 3 * 4 + 3000
    big = A.Adapter(
        [f"t{i}" for i in range(100)],
        ["oov"] * 100,
        np.ones((100, 50)),
        np.zeros((100, 50)),
    )
    assert len(A.adapter_bytes(big)) < 2 * 100 * 50 * 4 + 5000


def test_apply_replaces_promoted_rows_in_place_and_appends_the_rest(result):
    vectors = Vectors(WORDS, MATRIX)
    out = A.apply_adapter(vectors, A.adapter_from_result(result))
    assert out.words == ["the", "good", "bad", "happy", "<unk>", "<smile>"]
    np.testing.assert_array_equal(out.matrix[:3], MATRIX[:3])
    np.testing.assert_array_equal(out.matrix[3], result.trajectory[-1][2])
    np.testing.assert_array_equal(out.matrix[4:], result.trajectory[-1][:2])
    np.testing.assert_array_equal(vectors.matrix, MATRIX)  # the input is untouched
    with pytest.raises(ValueError, match="the adapter has d=3 but the vectors have d=2"):
        A.apply_adapter(Vectors(["a"], np.zeros((1, 2))), A.adapter_from_result(result))


def _zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _members(result) -> dict:
    with zipfile.ZipFile(io.BytesIO(A.adapter_bytes(A.adapter_from_result(result)))) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_broken_adapters_are_refused_with_the_reason(result, tmp_path):
    members = _members(result)
    with pytest.raises(ValueError, match="has no initial_rows.npy"):
        A.load_adapter(_zip({k: v for k, v in members.items() if k != "initial_rows.npy"}))
    meta = json.loads(members["adapter.json"])
    two_kinds = {**members, "adapter.json": json.dumps({**meta, "kinds": ["unk", "special"]})}
    with pytest.raises(ValueError, match="has 3 tokens but 2 kinds"):
        A.load_adapter(_zip(two_kinds))
    wrong_dim = {**members, "adapter.json": json.dumps({**meta, "dim": 7})}
    with pytest.raises(ValueError, match=r"shape \(3, 3\) but adapter.json says d=7"):
        A.load_adapter(_zip(wrong_dim))
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}] * 3, dtype=object), allow_pickle=True)
    pickled = {**members, "trained_rows.npy": buffer.getvalue()}
    with pytest.raises(ValueError, match="trained_rows.npy is not a plain NumPy array"):
        A.load_adapter(_zip(pickled))
    (tmp_path / "x.zip").write_bytes(b"nope")
    with pytest.raises(ValueError, match=r"x\.zip' is not a zip file"):
        A.load_adapter(tmp_path / "x.zip")
