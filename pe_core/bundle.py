"""A trained classifier as a bundle that reads raw text anywhere: model, vocabulary, tokenizer.

The ``.keras`` model alone reads ids, and its ids are this run's own word subset, so nobody can
feed it new text. The bundle carries everything between raw text and those ids:

- ``model.keras``: the trained Keras model (loaded in safe mode: no code, no pickle);
- ``vocabulary.json``: the id layout (frozen words 1..V, trainable tokens V+1..V+k, kinds);
- ``tokenizer.json``: the tokenizer's rules, literal specials and options;
- ``bundle.json``: format and version, label names, ``max_len``, the run's settings and the
  PE Lab and Keras versions.

A bundle is a folder or one ``.zip`` of those four files. Usage (``usage_snippet``)::

    from pe_core.bundle import load_classifier
    clf = load_classifier("pe_lab_classifier.zip")
    print(clf.labels, clf.predict(["what a great day :)", "@anna this is awful"]).round(3))

``pe_core.vocab.Vocabulary.from_dict({**vocabulary, "tokenizer": tokenizer}, vectors)`` rebuilds
the full vocabulary from the two JSON files and the GloVe file the run used.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import numpy as np

from pe_core.tokens import Tokenizer
from pe_core.vocab import UNK, _check_texts, encode_ids, id_layout

FORMAT = "pe-lab-classifier"
FORMAT_VERSION = 1
MEMBERS = ("bundle.json", "vocabulary.json", "tokenizer.json", "model.keras")
EXAMPLE_TEXTS = ("what a great day :)", "@anna this is awful http://t.co/x")


def _plain(value):
    """JSON fallback for the values a run's settings hold (tuples, NumPy scalars)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, set | frozenset):
        return sorted(value)
    return repr(value)


def model_keras_bytes(result) -> bytes:
    """The trained Keras model as the bytes of a ``.keras`` file (load with safe mode on)."""
    if getattr(result, "model", None) is None:
        raise ValueError("this result holds no model (it was released): train again to export it")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pe_lab_model.keras")
        result.model.save(path)
        with open(path, "rb") as f:
            return f.read()


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, default=_plain).encode("utf-8")


def _members(result) -> dict[str, bytes]:
    """The four files of ``result``'s bundle, by name."""
    from pe_core import __version__

    model = model_keras_bytes(result)  # raises the clear error when the model was released
    import keras

    vocab = result.vocabulary
    vocabulary = {key: value for key, value in vocab.to_dict().items() if key != "tokenizer"}
    vocabulary.update(padding_id=0, num_frozen=vocab.num_frozen, num_trainable=vocab.num_trainable)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "labels": list(result.label_names),
        "max_len": int(result.max_len),
        "truncate": "post",
        "variant": result.variant,
        "encoder": result.encoder,
        "settings": dict(result.settings),
        "pe_lab_version": __version__,
        "keras_version": keras.__version__,
    }
    return {
        "bundle.json": _json(manifest),
        "vocabulary.json": _json(vocabulary),
        "tokenizer.json": _json(vocab.tokenizer.to_dict()),
        "model.keras": model,
    }


def classifier_bundle_bytes(result) -> bytes:
    """``result``'s bundle as the bytes of one zip file."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _members(result).items():
            zf.writestr(name, data)
    return out.getvalue()


def save_classifier(result, path) -> str:
    """Save ``result``'s classifier to ``path``: one zip if it ends in ``.zip``, else a folder.

    A folder must not exist yet or be empty (nothing of yours is overwritten). Returns ``path``.
    """
    path = os.fspath(path)
    if path.lower().endswith(".zip"):
        with open(path, "wb") as f:
            f.write(classifier_bundle_bytes(result))
        return path
    if os.path.isdir(path) and os.listdir(path):
        raise ValueError(
            f"{path!r} is a folder that is not empty; save the bundle to a new folder or to "
            "a path ending in .zip"
        )
    members = _members(result)
    os.makedirs(path, exist_ok=True)
    for name, data in members.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)
    return path


def usage_snippet(file_name: str = "pe_lab_classifier.zip") -> str:
    """Three lines that load the bundle ``file_name`` and classify two raw texts."""
    return (
        "from pe_core.bundle import load_classifier\n"
        f"clf = load_classifier({file_name!r})\n"
        f"print(clf.labels, clf.predict({list(EXAMPLE_TEXTS)!r}).round(3))\n"
    )


class Classifier:
    """A loaded bundle: raw texts in, class probabilities out.

    Attributes:
        labels: the class names, in the order of ``predict``'s columns.
        tokenizer: the run's :class:`~pe_core.tokens.Tokenizer`.
        max_len: tokens per text the model reads (longer texts keep their first ``max_len``).
        model: the Keras model (int32 ids (n, max_len) -> probabilities).
        vocabulary: the id layout as read from ``vocabulary.json``.
        info: the rest of ``bundle.json`` (settings, versions, variant, encoder).
    """

    def __init__(self, model, tokenizer: Tokenizer, vocabulary: dict, manifest: dict) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.labels = list(manifest["labels"])
        self.max_len = int(manifest["max_len"])
        self.truncate = manifest.get("truncate", "post")
        self.info = manifest
        self._ids = id_layout(vocabulary["frozen_words"], vocabulary["trainable_tokens"])
        self._unk = len(vocabulary["frozen_words"]) + 1

    def tokenize(self, text: str) -> list[str]:
        """The tokens the model sees for ``text``."""
        return self.tokenizer.tokenize(text)

    def encode(self, texts) -> np.ndarray:
        """int32 (n, max_len) ids of raw ``texts``, exactly as the app encoded its data."""
        texts = _check_texts(texts)
        tokens = map(self.tokenizer.tokenize, texts)
        return encode_ids(self._ids, self._unk, tokens, self.max_len, self.truncate)

    def predict(self, texts, batch_size: int = 256) -> np.ndarray:
        """float32 (n, classes): the probability of each label (``labels``) for each text."""
        x = self.encode(texts)
        if len(x) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return np.asarray(self.model.predict(x, batch_size=batch_size, verbose=0))

    def __repr__(self) -> str:
        v = self.vocabulary
        return (
            f"Classifier(labels={self.labels}, V={len(v['frozen_words'])}, "
            f"k={len(v['trainable_tokens'])}, max_len={self.max_len})"
        )


def _read_members(path: str) -> dict[str, bytes]:
    if os.path.isdir(path):
        found = {}
        for name in MEMBERS:
            member = os.path.join(path, name)
            if os.path.exists(member):
                with open(member, "rb") as f:
                    found[name] = f.read()
    else:
        try:
            with zipfile.ZipFile(path) as zf:
                found = {name: zf.read(name) for name in MEMBERS if name in zf.namelist()}
        except (zipfile.BadZipFile, FileNotFoundError, IsADirectoryError) as err:
            raise ValueError(
                f"{path!r} is neither a PE Lab classifier folder nor a zip ({err}); download "
                "the classifier bundle from the Export page again"
            ) from None
    missing = [name for name in MEMBERS if name not in found]
    if missing:
        raise ValueError(
            f"{path!r} lacks {', '.join(missing)}; a PE Lab classifier bundle holds "
            f"{', '.join(MEMBERS)}"
        )
    return found


def _parse_json(members: dict[str, bytes], name: str, path: str) -> dict:
    try:
        data = json.loads(members[name])
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path!r}: {name} is not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path!r}: {name} must hold a JSON object")
    return data


def _check_manifest(manifest: dict, path: str) -> None:
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path!r}: bundle.json does not describe a {FORMAT!r} bundle")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path!r} is bundle format {manifest.get('format_version')!r}; this PE Lab "
            f"reads format {FORMAT_VERSION}: save the bundle again with this version"
        )
    for key in ("labels", "max_len"):
        if key not in manifest:
            raise ValueError(f"{path!r}: bundle.json has no {key!r}")


def _check_vocabulary(vocabulary: dict, path: str) -> tuple[int, int]:
    frozen = vocabulary.get("frozen_words")
    trainable = vocabulary.get("trainable_tokens")
    if not isinstance(frozen, list) or not isinstance(trainable, list):
        raise ValueError(
            f"{path!r}: vocabulary.json needs the lists frozen_words and trainable_tokens"
        )
    if not trainable or trainable[0] != UNK:
        raise ValueError(f"{path!r}: vocabulary.json's first trainable token must be {UNK!r}")
    return len(frozen), len(trainable)


def _check_agreement(model, vocab_sizes, dim, labels, max_len, path: str) -> None:
    """The pieces must describe one model: table sizes, dimension, classes, input length."""
    from pe_core.model import embedding_layer

    layer = embedding_layer(model)
    num_frozen, num_trainable = vocab_sizes
    model_sizes = (layer.num_frozen, layer.num_trainable)
    if model_sizes != vocab_sizes:
        raise ValueError(
            f"{path!r}: the pieces disagree: vocabulary.json has V={num_frozen} frozen words "
            f"and k={num_trainable} trainable tokens, but the model's {layer.name!r} layer has "
            f"V={model_sizes[0]}, k={model_sizes[1]}; the files come from different runs, "
            "download the bundle again"
        )
    if dim is not None and int(layer.output_dim) != int(dim):
        raise ValueError(
            f"{path!r}: the pieces disagree: vocabulary.json says d={dim}, the model's "
            f"embedding has d={layer.output_dim}"
        )
    classes = int(model.outputs[0].shape[-1])
    if classes != len(labels):
        raise ValueError(
            f"{path!r}: the pieces disagree: bundle.json names {len(labels)} labels, the model "
            f"outputs {classes} classes"
        )
    length = model.inputs[0].shape[-1]
    if length is not None and int(length) != int(max_len):
        raise ValueError(
            f"{path!r}: the pieces disagree: bundle.json says max_len={max_len}, the model "
            f"reads {length} ids per text"
        )


def _load_model(data: bytes):
    import keras

    import pe_core.custom_objects  # noqa: F401  (registers the PE Lab layers)

    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.keras")
        with open(model_path, "wb") as f:
            f.write(data)
        return keras.saving.load_model(model_path, safe_mode=True)


def load_classifier(path) -> Classifier:
    """Load a bundle written by :func:`save_classifier` (a folder or a ``.zip``).

    Raises:
        ValueError: naming the bundle and the problem, when a file is missing or broken, or
            when the pieces disagree (vocabulary sizes vs the model's embedding layer, labels vs
            the output layer, ``max_len`` vs the model's input).
    """
    path = os.fspath(path)
    members = _read_members(path)
    manifest = _parse_json(members, "bundle.json", path)
    _check_manifest(manifest, path)
    vocabulary = _parse_json(members, "vocabulary.json", path)
    sizes = _check_vocabulary(vocabulary, path)
    try:
        tokenizer = Tokenizer.from_dict(_parse_json(members, "tokenizer.json", path))
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f"{path!r}: tokenizer.json does not describe a tokenizer ({err})"
        ) from None
    try:
        model = _load_model(members["model.keras"])
    except (ValueError, TypeError, OSError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path!r}: model.keras cannot be loaded ({err})") from None
    _check_agreement(
        model, sizes, vocabulary.get("dim"), manifest["labels"], manifest["max_len"], path
    )
    return Classifier(model, tokenizer, vocabulary, manifest)
