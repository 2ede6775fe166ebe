import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# The app's background TensorFlow / numba warm-up is tested on its own (tests/app); elsewhere
# it would only add CPU load to the suite.
os.environ.setdefault("PE_LAB_WARMUP", "0")

ROOT = Path(__file__).resolve().parents[1]
SHARED_GLOVE = ROOT.parent / "shared" / "data" / "glove.6B.50d.sample8k.txt"


@pytest.fixture
def shared_glove() -> Path:
    """The real GloVe sample beside the checkout; skips where ../shared is absent."""
    if not SHARED_GLOVE.exists():
        pytest.skip(f"real GloVe sample not found at {SHARED_GLOVE} (../shared is absent)")
    return SHARED_GLOVE


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test writes caches into its own temporary directory, never the user's."""
    monkeypatch.setenv("PE_LAB_CACHE", str(tmp_path_factory.mktemp("pe_lab_cache")))
