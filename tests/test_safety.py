"""Safety checks (issue 7, item 4): nothing uploaded is executed or unpickled, models load in
safe mode, typed paths stay inside the data directory, uploads are capped, no shell.

Source checks walk the AST of every file in pe_core/, ui/, pages/ and app.py, so a new module is
covered without editing this file.
"""

from __future__ import annotations

import ast
import io
import pickle
import tomllib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
APP_SOURCES = sorted(
    [ROOT / "app.py", *(ROOT / "pe_core").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]
    + list((ROOT / "pages").rglob("*.py"))
)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _trees():
    for path in APP_SOURCES:
        if path.exists():
            yield _rel(path), ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _call_name(node: ast.Call) -> str:
    """Dotted name of the called function, e.g. "os.system", "pickle.load", "eval"."""
    parts = []
    func = node.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _calls(tree):
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


# ------------------------------------------------------------------ no shell, no eval, no exec

SHELL_MODULES = {"subprocess", "pty", "commands", "pexpect"}
SHELL_CALLS = ("os.system", "os.popen", "os.exec", "os.spawn", "os.posix_spawn", "os.startfile")


def test_sources_exist():
    names = [_rel(p) for p in APP_SOURCES]
    assert "app.py" in names and "pe_core/vectors/load.py" in names and "ui/paths.py" in names


@pytest.mark.parametrize("name", [_rel(p) for p in APP_SOURCES])
def test_no_shell_eval_or_exec_in_app_sources(name):
    tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in SHELL_MODULES]
        elif (
            isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in SHELL_MODULES
        ):
            found.append(f"from {node.module} import")
        elif isinstance(node, ast.Call):
            called = _call_name(node)
            if called.startswith(SHELL_CALLS) or called in {"eval", "exec", "compile"}:
                found.append(f"{called}() at line {node.lineno}")
            for kw in node.keywords:
                if kw.arg == "shell" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is False
                ):
                    found.append(f"shell= at line {node.lineno}")
    assert not found, f"{name}: {found}"


# ------------------------------------------------------------------ nothing unpickled

# pickle.loads of a file the library wrote itself into its own cache directory (never an
# upload), read only once its checksums match (pe_core.cache.DiskEntry). Each entry is
# reviewed: (file, called function).
OWN_CACHE_UNPICKLING = {("pe_core/projection/umap.py", "pickle.loads")}


def test_no_pickle_of_anything_but_our_own_cache_files():
    found = set()
    for name, tree in _trees():
        for node in _calls(tree):
            called = _call_name(node)
            if called.split(".")[-1] in {"load", "loads"} and called.split(".")[0] in {
                "pickle",
                "cPickle",
                "dill",
                "joblib",
                "cloudpickle",
                "shelve",
            }:
                found.add((name, called))
            if called in {"pd.read_pickle", "pandas.read_pickle", "shelve.open"}:
                found.add((name, called))
            for kw in node.keywords:
                if kw.arg == "allow_pickle" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is False
                ):
                    found.add((name, f"{called}(allow_pickle=...) at line {node.lineno}"))
    assert found <= OWN_CACHE_UNPICKLING, f"unreviewed unpickling: {found - OWN_CACHE_UNPICKLING}"


def test_numpy_loads_refuse_pickles_by_default():
    # np.load without allow_pickle must stay safe in the numpy we run on (true since 1.16.3).
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    buf.seek(0)
    with pytest.raises(ValueError, match="allow_pickle"):
        np.load(buf)


class _Payload:
    """Unpickling this creates ``marker``: proof that a file was unpickled."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _pickle_bytes(marker: Path) -> bytes:
    return pickle.dumps(_Payload(marker))


def _npy_pickle_bytes(marker: Path) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    return buf.getvalue()


DISGUISES = [
    ("evil.pkl", _pickle_bytes),
    ("evil.npy", _npy_pickle_bytes),
    ("evil.txt", _pickle_bytes),
    ("evil.npy.txt", _npy_pickle_bytes),
    ("evil.vec", _npy_pickle_bytes),
]


@pytest.mark.parametrize(("name", "make"), DISGUISES, ids=[d[0] for d in DISGUISES])
def test_pickled_vectors_upload_is_refused_not_executed(tmp_path, name, make):
    from ui import loaders

    marker = tmp_path / "executed"
    with pytest.raises(ValueError):
        loaders.vectors_from_upload(name, make(marker))
    assert not marker.exists(), "an uploaded pickle was unpickled"


@pytest.mark.parametrize(("name", "make"), DISGUISES, ids=[d[0] for d in DISGUISES])
def test_pickled_file_given_to_load_vectors_is_refused_not_executed(tmp_path, name, make):
    from pe_core.vectors import load_vectors

    marker = tmp_path / "executed"
    path = tmp_path / name
    path.write_bytes(make(marker))
    with pytest.raises(ValueError):
        load_vectors(path)
    assert not marker.exists(), "a vectors file was unpickled"


@pytest.mark.parametrize(
    ("name", "make"),
    [("evil.csv", _pickle_bytes), ("evil.tsv", _npy_pickle_bytes), ("evil.pkl", _pickle_bytes)],
)
def test_pickled_dataset_is_refused_not_executed(tmp_path, name, make):
    from pe_core.datasets import load_dataset
    from ui import loaders

    marker = tmp_path / "executed"
    with pytest.raises(ValueError):
        loaders.dataset_from_upload(name, make(marker))
    path = tmp_path / name
    path.write_bytes(make(marker))
    with pytest.raises(ValueError):
        load_dataset(path)
    assert not marker.exists(), "a dataset file was unpickled"


RISKY_UPLOAD_TYPES = {"pkl", "pickle", "npy", "npz", "joblib", "h5", "hdf5", "keras", "py", "pt"}


def test_upload_widgets_accept_only_text_formats():
    uploaders = []
    for name, tree in _trees():
        for node in _calls(tree):
            if _call_name(node).endswith("file_uploader"):
                types = next((kw.value for kw in node.keywords if kw.arg == "type"), None)
                assert types is not None, f"{name}:{node.lineno}: file_uploader without type="
                accepted = set(ast.literal_eval(types))
                assert not accepted & RISKY_UPLOAD_TYPES, f"{name}:{node.lineno}: {accepted}"
                uploaders.append((name, accepted))
    assert uploaders, "expected at least one upload widget (vectors, dataset)"


# ------------------------------------------------------------------ .keras in safe mode


def _lambda_model_path(tmp_path: Path) -> Path:
    import keras

    inputs = keras.Input((2,))
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(inputs)
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(path)
    return path


def test_keras_safe_mode_refuses_a_lambda_layer(tmp_path):
    import keras

    path = _lambda_model_path(tmp_path)
    with pytest.raises(ValueError, match=r"deserialization of a `Lambda` layer.*safe_mode=False"):
        keras.models.load_model(path, safe_mode=True)


def test_no_source_turns_keras_safe_mode_off():
    offenders = []
    for name, tree in _trees():
        for node in _calls(tree):
            called = _call_name(node)
            if called.endswith("enable_unsafe_deserialization"):
                offenders.append(f"{name}:{node.lineno} {called}")
            for kw in node.keywords:
                if kw.arg == "safe_mode" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is True
                ):
                    offenders.append(f"{name}:{node.lineno} {called}(safe_mode=...)")
    assert not offenders, offenders


# test_export.py / test_model.py already reload our exported models with safe_mode=True.


# ------------------------------------------------------------------ typed paths


@pytest.fixture
def data_root(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    (root / "ok.txt").write_text("a 1 2\n")
    (tmp_path / "secret.txt").write_text("secret 1 2\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.txt").write_text("x 1 2\n")
    return root


@pytest.mark.parametrize(
    "typed",
    [
        "../secret.txt",
        "./../secret.txt",
        "..\\secret.txt",
        "ok/../../secret.txt",
        "{root}/ok.txt",  # absolute, even though it points inside
        "/etc/passwd",
        "//etc/passwd",
        "~/secret.txt",
        "C:/Windows/win.ini",
        "linked_dir/x.txt",
        "%2e%2e/secret.txt",
        "ok.txt\x00.csv",
    ],
)
def test_typed_path_cannot_leave_the_data_directory(data_root, typed):
    from ui import paths

    (data_root / "linked_dir").symlink_to(data_root.parent / "outside")
    with pytest.raises(ValueError):
        paths.resolve_in_data_dir(typed.format(root=data_root), data_root)


def test_typed_path_inside_resolves_and_env_sets_the_root(data_root, monkeypatch):
    from ui import paths

    monkeypatch.setenv(paths.DATA_DIR_ENV, str(data_root))
    assert paths.resolve_in_data_dir("ok.txt") == data_root / "ok.txt"
    assert paths.data_dir() == data_root.resolve()


def test_data_page_resolves_typed_paths_before_reading():
    """The only way a typed path reaches a loader on the Data page is through resolve_in_data_dir
    (the page's vector sources, ``ui/vector_sources.py``, hold its path input)."""
    tree = ast.parse((ROOT / "ui" / "vector_sources.py").read_text(encoding="utf-8"))
    text_inputs = [n for n in _calls(tree) if _call_name(n).endswith("text_input")]
    path_input = [
        n
        for n in text_inputs
        if any(
            kw.arg == "key" and "path" in str(getattr(kw.value, "value", "")) for kw in n.keywords
        )
    ]
    assert path_input, "the Data page has a path text input"
    called = [_call_name(n) for n in _calls(tree)]
    assert "paths.resolve_in_data_dir" in called


# ------------------------------------------------------------------ upload size cap


def test_upload_size_is_capped_in_the_streamlit_config():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    cap = config.get("server", {}).get("maxUploadSize")
    assert isinstance(cap, int), "server.maxUploadSize must be set explicitly"
    # Big enough for one GloVe 6B file, small enough that a single upload cannot fill memory.
    assert 1 <= cap <= 2048, cap
    assert config["server"].get("maxMessageSize", 200) <= 2048


# ------------------------------------------------------------------ typed text in HTML

HOSTILE_SPECIAL = "<img/src=x/onerror=alert(1)>"


def test_tokens_are_escaped_where_the_pages_write_html():
    """A special token typed on the Data page (or a rule token like <url>) is shown as text.

    Tokens go into markdown with unsafe_allow_html in the preview and the trainable-set chips;
    unescaped, ``<url>`` vanishes as an unknown tag and a typed ``<img/src=x/onerror=...>``
    becomes markup.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.session_state["opt_literal_specials"] = HOSTILE_SPECIAL
    at.session_state["opt_preview_text"] = f"see {HOSTILE_SPECIAL} now"
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    html_blocks = [m.value for m in at.markdown if m.proto.allow_html]
    assert any("&lt;unk&gt;" in b for b in html_blocks), "the trainable-set chips are shown"
    raw = [b for b in html_blocks if HOSTILE_SPECIAL in b or "<unk>" in b]
    assert not raw, f"unescaped tokens in HTML: {[b[:200] for b in raw]}"


def test_the_file_watcher_skips_virtualenvs_and_other_bulky_folders():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    skipped = config["server"]["folderWatchBlacklist"]
    assert {".venv", "venv", ".git", "artifacts", "data", ".cache"} <= set(skipped)
