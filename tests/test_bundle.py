"""pe_core.bundle: a classifier bundle that reads raw text, in this process and in a fresh one."""

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from tiny_corpus import LABELS, TEXTS, TINY, VECTORS

from pe_core import bundle, export
from pe_core.training import train

ROOT = Path(__file__).resolve().parents[1]
NEW_TEXTS = [
    "good movie :)",
    "awful awful day @bob",
    "zorg blarg never seen",  # unknown words -> <unk>
    "",
    "a great great good happy day with the movie " * 20,  # longer than max_len
]


@pytest.fixture(scope="module")
def runs():
    """A dual bag-of-embeddings run and a full-table CNN run (every custom layer is used)."""
    dual = train(VECTORS, TEXTS, LABELS, **TINY)
    full = train(VECTORS, TEXTS, LABELS, encoder="cnn", variant="full", **TINY)
    return {"dual": dual, "full": full}


def _in_app(result, texts):
    ids = result.vocabulary.encode(texts, result.max_len)
    return result.model.predict(ids, verbose=0)


def _fresh_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    """A new interpreter that knows where pe_core is and has imported nothing else."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


@pytest.mark.parametrize("variant", ["dual", "full"])
def test_zip_and_folder_bundles_predict_like_the_app(runs, variant, tmp_path):
    result = runs[variant]
    want = _in_app(result, NEW_TEXTS)
    for path in (tmp_path / "clf.zip", tmp_path / "clf_folder"):
        clf = bundle.load_classifier(bundle.save_classifier(result, path))
        got = clf.predict(NEW_TEXTS)
        assert got.shape == (len(NEW_TEXTS), 2)
        np.testing.assert_allclose(got, want, atol=1e-6)
        np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-5)
        assert clf.labels == result.label_names == ["neg", "pos"]
        assert clf.max_len == result.max_len
        np.testing.assert_array_equal(
            clf.encode(NEW_TEXTS), result.vocabulary.encode(NEW_TEXTS, result.max_len)
        )
    assert sorted(os.listdir(tmp_path / "clf_folder")) == sorted(bundle.MEMBERS)


def test_the_bundle_holds_json_and_the_keras_file_only(runs):
    result = runs["dual"]
    with zipfile.ZipFile(io.BytesIO(export.classifier_bundle_bytes(result))) as zf:
        assert sorted(zf.namelist()) == sorted(bundle.MEMBERS)
        manifest = json.loads(zf.read("bundle.json"))
        vocabulary = json.loads(zf.read("vocabulary.json"))
        tokenizer = json.loads(zf.read("tokenizer.json"))
        model = zf.read("model.keras")
    assert manifest["format"] == "pe-lab-classifier" and manifest["format_version"] == 1
    assert manifest["labels"] == ["neg", "pos"] and manifest["max_len"] == result.max_len
    assert manifest["settings"]["epochs"] == 2 and manifest["pe_lab_version"]
    vocab = result.vocabulary
    assert vocabulary["frozen_words"] == vocab.frozen_words
    assert vocabulary["trainable_tokens"] == vocab.trainable_tokens == result.tokens
    assert vocabulary["token_kinds"] == vocab.token_kinds
    assert tokenizer == vocab.tokenizer.to_dict()
    with zipfile.ZipFile(io.BytesIO(model)) as keras_zip:  # a .keras file: json + weights
        assert not [n for n in keras_zip.namelist() if n.endswith((".pkl", ".pickle"))]


def test_the_usage_snippet_runs_in_a_fresh_process_and_matches_the_app(runs, tmp_path):
    result = runs["dual"]
    bundle.save_classifier(result, tmp_path / "pe_lab_classifier.zip")
    snippet = bundle.usage_snippet("pe_lab_classifier.zip")
    assert len(snippet.strip().splitlines()) == 3
    check = f"import json\nprint(json.dumps(clf.predict({NEW_TEXTS!r}).tolist()))\n"
    printed = _fresh_python(snippet + check, tmp_path).stdout.strip()
    assert printed.startswith("['neg', 'pos'] [[")  # the snippet's own output, as printed
    shown = printed[printed.index("[[") : printed.index("]]") + 2]
    values = [float(v) for v in re.findall(r"\d+\.\d*(?:e-?\d+)?", shown)]
    want = _in_app(result, list(bundle.EXAMPLE_TEXTS))
    np.testing.assert_allclose(np.reshape(values, want.shape), want, atol=5e-4)
    lines = printed.splitlines()
    np.testing.assert_allclose(json.loads(lines[-1]), _in_app(result, NEW_TEXTS), atol=1e-5)


def test_import_pe_core_is_enough_for_keras_load_model_in_safe_mode(runs, tmp_path):
    for variant in ("dual", "full"):  # every custom layer, in one fresh process
        result = runs[variant]
        (tmp_path / f"{variant}.keras").write_bytes(export.model_keras_bytes(result))
        np.save(tmp_path / f"{variant}.npy", result.vocabulary.encode(NEW_TEXTS, result.max_len))
    code = (
        "import sys, json\n"
        "import pe_core\n"
        "print('keras' in sys.modules, 'tensorflow' in sys.modules)\n"  # still a cheap import
        "import keras, numpy as np\n"
        "for v in ('dual', 'full'):\n"
        "    m = keras.saving.load_model(v + '.keras', safe_mode=True)\n"
        "    print(json.dumps(m.predict(np.load(v + '.npy'), verbose=0).tolist()))\n"
    )
    lines = _fresh_python(code, tmp_path).stdout.strip().splitlines()
    assert lines[0] == "False False"
    for variant, line in zip(("dual", "full"), lines[-2:], strict=True):
        np.testing.assert_allclose(json.loads(line), _in_app(runs[variant], NEW_TEXTS), atol=1e-5)


def test_keras_imported_before_pe_core_also_finds_the_layers(tmp_path):
    code = (
        "import keras\nimport pe_core\n"
        "names = ['DualEmbedding', 'MaskedMean', 'PaddingToZero', 'TableEmbedding']\n"
        "print([keras.saving.get_registered_object('pe_lab>' + n).__name__ for n in names])\n"
    )
    out = _fresh_python(code, tmp_path).stdout.strip().splitlines()[-1]
    assert out == "['DualEmbedding', 'MaskedMean', 'PaddingToZero', 'TableEmbedding']"


def _rewrite(src: Path, dst: Path, name: str, change) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for member in zin.namelist():
            data = zin.read(member)
            if member == name:
                data = json.dumps(change(json.loads(data))).encode()
            zout.writestr(member, data)
    return dst


def test_a_bundle_whose_pieces_disagree_is_refused(runs, tmp_path):
    good = Path(bundle.save_classifier(runs["dual"], tmp_path / "good.zip"))
    V, k = runs["dual"].vocabulary.num_frozen, runs["dual"].vocabulary.num_trainable

    def drop_word(v):
        return {**v, "frozen_words": v["frozen_words"][:-1]}

    bad = _rewrite(good, tmp_path / "v.zip", "vocabulary.json", drop_word)
    message = (
        rf"v\.zip'.*pieces disagree: vocabulary\.json has V={V - 1} frozen words and k={k} "
        rf"trainable tokens, but the model's 'dual_embedding' layer has V={V}, k={k}"
    )
    with pytest.raises(ValueError, match=message):
        bundle.load_classifier(bad)

    def three_labels(m):
        return {**m, "labels": ["neg", "pos", "neutral"]}

    bad = _rewrite(good, tmp_path / "l.zip", "bundle.json", three_labels)
    with pytest.raises(ValueError, match="names 3 labels, the model outputs 2 classes"):
        bundle.load_classifier(bad)

    def longer(m):
        return {**m, "max_len": m["max_len"] + 1}

    bad = _rewrite(good, tmp_path / "n.zip", "bundle.json", longer)
    with pytest.raises(ValueError, match=rf"max_len={runs['dual'].max_len + 1}, the model reads"):
        bundle.load_classifier(bad)


def test_missing_or_broken_pieces_are_named(runs, tmp_path):
    good = Path(bundle.save_classifier(runs["dual"], tmp_path / "good.zip"))
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(tmp_path / "m.zip", "w") as zout:
        for member in zin.namelist():
            if member != "tokenizer.json":
                zout.writestr(member, zin.read(member))
    with pytest.raises(ValueError, match=r"m\.zip' lacks tokenizer\.json"):
        bundle.load_classifier(tmp_path / "m.zip")
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="neither a PE Lab classifier folder nor a zip"):
        bundle.load_classifier(tmp_path / "junk.zip")
    bad = _rewrite(good, tmp_path / "f.zip", "bundle.json", lambda m: {**m, "format_version": 9})
    with pytest.raises(ValueError, match="bundle format 9; this PE Lab reads format 1"):
        bundle.load_classifier(bad)


def test_saving_refuses_a_folder_that_is_not_empty_and_a_released_model(runs, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(ValueError, match="is a folder that is not empty"):
        bundle.save_classifier(runs["dual"], tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    released = runs["dual"].__class__(**{**runs["dual"].__dict__, "model": None})
    with pytest.raises(ValueError, match="holds no model"):
        bundle.save_classifier(released, tmp_path / "x.zip")


def test_predict_wants_a_list_of_texts(runs, tmp_path):
    clf = bundle.load_classifier(bundle.save_classifier(runs["dual"], tmp_path / "c.zip"))
    with pytest.raises(ValueError, match="must be a list of strings, got one string"):
        clf.predict("good movie")
    assert clf.predict([]).shape == (0, 2)
