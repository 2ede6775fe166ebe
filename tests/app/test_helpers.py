"""The non-UI parts of the app: data-directory paths, the run registry, editor deltas, uploads."""

import threading

import pandas as pd
import pytest

from ui import loaders, paths
from ui.runs import RunRegistry, is_finished
from ui.state import apply_editor_delta


@pytest.fixture
def data_root(tmp_path):
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    (root / "glove.txt").write_text("a 1 2\n")
    (root / "sub" / "b.txt").write_text("b 1 2\n")
    (tmp_path / "secret.txt").write_text("no\n")
    return root


def test_paths_inside_the_data_directory_resolve(data_root):
    assert paths.resolve_in_data_dir("glove.txt", data_root) == data_root / "glove.txt"
    assert paths.resolve_in_data_dir(" sub/b.txt ", data_root) == data_root / "sub" / "b.txt"
    assert paths.list_data_files(data_root) == ["glove.txt", "sub/b.txt"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("../secret.txt", r"contains '\.\.'"),
        ("sub/../../secret.txt", r"contains '\.\.'"),
        ("/etc/passwd", "is absolute"),
        ("~/x.txt", "is absolute"),
        ("C:\\x.txt", "is absolute"),
        ("", "type a file name"),
        ("missing.txt", "no file 'missing.txt'"),
    ],
)
def test_paths_outside_or_missing_are_refused(data_root, typed, message):
    with pytest.raises(ValueError, match=message):
        paths.resolve_in_data_dir(typed, data_root)


def test_symlink_out_of_the_data_directory_is_refused(data_root):
    (data_root / "link.txt").symlink_to(data_root.parent / "secret.txt")
    with pytest.raises(ValueError, match="outside the data directory"):
        paths.resolve_in_data_dir("link.txt", data_root)
    assert "link.txt" not in paths.list_data_files(data_root)


def test_data_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path))
    assert paths.data_dir() == tmp_path.resolve()


class FakeJob:
    def __init__(self):
        self.stopped = threading.Event()

    def stop(self):
        self.stopped.set()

    @property
    def finished(self):
        return self.stopped.is_set()


def test_registry_stops_and_releases_jobs_of_a_vanished_session():
    registry = RunRegistry(grace_seconds=10)
    mine, theirs = FakeJob(), FakeJob()
    released = []
    registry.register("alive", mine, release=lambda: released.append("alive"))
    registry.register("gone", theirs, release=lambda: released.append("gone"))
    alive = {"alive"}.__contains__
    assert registry.reap(alive, now=100.0) == []  # gone, but still within the grace period
    assert registry.reap(alive, now=105.0) == []
    assert registry.reap(alive, now=110.0) == ["gone"]
    assert theirs.stopped.is_set() and not mine.stopped.is_set()
    assert released == ["gone"]
    assert registry.owners() == ["alive"] and registry.active_count() == 1


def test_registry_forgets_a_reconnected_owner_and_finished_jobs():
    registry = RunRegistry(grace_seconds=10)
    job = FakeJob()
    registry.register("s", job)
    alive = set()
    registry.reap(alive.__contains__, now=0.0)
    alive.add("s")  # the browser came back before the grace period ended
    registry.reap(alive.__contains__, now=9.0)
    alive.discard("s")
    assert registry.reap(alive.__contains__, now=15.0) == []  # the clock restarted
    job.stop()
    alive.add("s")
    registry.reap(alive.__contains__, now=16.0)
    assert registry.owners() == []


def test_stop_owner_stops_every_job():
    registry = RunRegistry()
    jobs = [FakeJob(), FakeJob()]
    for job in jobs:
        registry.register("s", job)
    assert registry.stop_owner("s") == 2
    assert all(is_finished(j) for j in jobs)
    assert registry.jobs_of("s") == []


def test_is_finished_understands_threads():
    release = threading.Event()
    t = threading.Thread(target=release.wait)
    t.start()
    assert not is_finished(t)  # alive: not finished
    release.set()
    t.join()
    assert is_finished(t)


def test_apply_editor_delta_edits_deletes_and_adds():
    frame = pd.DataFrame({"name": ["a", "b", "c"], "enabled": [True, True, True]})
    delta = {
        "edited_rows": {0: {"enabled": False}},
        "deleted_rows": [1],
        "added_rows": [{"name": "d", "enabled": True}, {}],
    }
    out = apply_editor_delta(frame, delta)
    assert out.to_dict("records") == [
        {"name": "a", "enabled": False},
        {"name": "c", "enabled": True},
        {"name": "d", "enabled": True},
    ]
    assert frame.loc[0, "enabled"]  # the input is not modified


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("x.exe", b"a 1", "unsupported extension"),
        ("x.pkl", b"a 1", "unsupported extension"),
        ("x.txt", b"", "is empty"),
    ],
)
def test_vector_uploads_with_bad_names_or_no_content_are_refused(name, data, message):
    with pytest.raises(ValueError, match=message):
        loaders.vectors_from_upload(name, data)


def test_the_data_directory_lists_only_vector_files():
    names = ["README.md", "glove.6B.50d.txt", "readme.txt", "w2v.VEC", "tweets.tsv", "g.txt.gz"]
    assert loaders.vector_files(names) == ["glove.6B.50d.txt", "w2v.VEC", "g.txt.gz"]


def test_table_columns_reads_the_header_and_guesses_as_loading_does():
    assert loaders.table_columns("d.csv", b"text,label\nhi,pos\nho,neg\n") == (
        ["text", "label"],
        0,
        1,
    )
    # The old picker split on the header's commonest byte and showed ["t", "l"] for both files
    # below; loading sniffs the whole sample. The pickers now show what loading uses.
    assert loaders.table_columns("d.tsv", b"t\tl\nhi, there\tpos\nyo\tneg\n")[0] == ["t", "l"]
    tweets = b"".join(
        b"%s,great day number %d\n" % (lab, i) for i, lab in enumerate([b"pos", b"neg"] * 15)
    )
    assert loaders.table_columns("noheader.csv", tweets) == (["column 0", "column 1"], 1, 0)
    with pytest.raises(
        ValueError, match="header row with only one column .'only'.; it needs a text"
    ):
        loaders.table_columns("d.csv", b"only\nx\ny\n")


def test_explore_map_is_rebuilt_only_when_its_options_change():
    from types import SimpleNamespace

    import numpy as np

    from ui.explore import Projection, figure

    frame = pd.DataFrame(
        {
            "token": ["<url>", "<url>", "lol", "lol"],
            "kind": ["special", "special", "oov", "oov"],
            "snapshot": [0, 1, 0, 1],
            "step": [0, 5, 0, 5],
            "epoch": [0.0, 0.5, 0.0, 0.5],
            "x": [0.0, 1.0, 0.0, -1.0],
            "y": [0.0, 1.0, 0.0, 1.0],
            "nearest": ["", "a", "", "b"],
            "similarity": [np.nan, 0.5, np.nan, 0.4],
        }
    )
    projector = SimpleNamespace(embedding_=np.array([[0.0, 1.0], [1.0, 0.0]]), words_=["a", "b"])
    proj = Projection("PCA", projector, np.array([0, 1]), frame)
    # Region labels need a fitted reference (tested in tests/app/test_explains.py): off here.
    first = figure(proj, kinds=["oov", "special"], regions=False)
    assert figure(proj, kinds=["oov", "special"], regions=False) is first
    only_oov = figure(proj, kinds=["oov"], regions=False)
    assert only_oov is not first
    assert {t.name for t in only_oov.data} == {
        "reference words",
        "oov trail",
        "oov",
        "leader lines",
        "moved names",
    }
    assert figure(proj, search="lol", kinds=["oov"], regions=False) is not only_oov


def test_pages_open_on_the_token_that_travelled_furthest():
    from types import SimpleNamespace

    import numpy as np

    from ui.explore import default_token_index

    start = np.zeros((3, 2))
    end = np.array([[9.0, 9.0], [1.0, 0.0], [0.0, 3.0]])  # <unk> moved most, but is last choice
    result = SimpleNamespace(
        trajectory=np.stack([start, end]), token_kinds=["unk", "special", "oov"]
    )
    assert default_token_index(result) == 2
    result.token_kinds = ["special", "special", "oov"]
    assert default_token_index(result) == 0


def test_pages_open_on_a_token_the_map_shows():
    # Real data: 10 specials and 243 OOV words; the map hides the OOV words by default, so the
    # page must not open on one (the QA run opened on "excited", drawn nowhere).
    from types import SimpleNamespace

    import numpy as np

    from ui.explore import default_token_index

    kinds = ["unk"] + ["special"] * 9 + ["oov"] * 243
    end = np.zeros((len(kinds), 2))
    end[0] = 50.0  # <unk> moved most
    end[3] = [3.0, 4.0]  # the special that moved furthest: 5
    end[200] = 9.0  # an OOV word moved further, but is hidden
    result = SimpleNamespace(trajectory=np.stack([np.zeros_like(end), end]), token_kinds=kinds)
    assert default_token_index(result) == 3
    only_unk = SimpleNamespace(trajectory=result.trajectory, token_kinds=["unk"] + ["oov"] * 252)
    assert default_token_index(only_unk) == 0


def test_the_train_page_says_what_a_starting_run_is_doing():
    from ui.status import run_progress_text

    base = {"state": "running", "total_steps": 0, "epoch": 0, "epochs": 8, "step": 0}
    assert run_progress_text({**base, "phase": "loading TensorFlow"}) == (
        "Starting · loading TensorFlow (the first run of the server only)…"
    )
    assert run_progress_text({**base, "phase": "preparing the data and the model"}) == (
        "Starting · preparing the data and the model…"
    )
    running = {**base, "total_steps": 100, "step": 10, "epoch": 1, "eta_seconds": 65}
    assert run_progress_text(running) == "Training · epoch 1/8 · step 10/100 · ETA 1 min 05 s"


def test_the_sidebar_says_the_runs_state_without_an_epoch_that_could_lag_the_page(monkeypatch):
    from types import SimpleNamespace

    from ui import status

    base = {"state": "running", "total_steps": 100, "epoch": 3, "epochs": 8, "step": 40}
    lines = []
    for p in (
        {**base, "eta_seconds": 5},
        {**base, "state": "queued", "queue_position": 2},
        {**base, "total_steps": 0, "phase": "loading TensorFlow"},
        {**base, "state": "done", "elapsed": 4.0},
    ):
        run = SimpleNamespace(progress=lambda p=p: p)
        monkeypatch.setattr(status.st, "session_state", {"run": run})
        lines.append(status.run_status_text())
    assert lines == ["Training", "Queued: position 2", "Starting", "done"]
    monkeypatch.setattr(status.st, "session_state", {"result": object()})
    assert status.run_status_text() == "done"


def test_a_job_waits_for_the_page_to_redraw_only_before_tensorflow_is_loaded(monkeypatch):
    import sys

    from ui import jobs

    class Job:
        def __init__(self):
            self.started = threading.Event()

        def start(self):
            self.started.set()

    monkeypatch.setitem(sys.modules, "tensorflow", object())
    loaded = Job()
    jobs.start_after_redraw(loaded)
    assert loaded.started.is_set()  # at once

    monkeypatch.delitem(sys.modules, "tensorflow")
    monkeypatch.setattr(jobs, "REDRAW_DELAY", 0.2)
    fresh = Job()
    jobs.start_after_redraw(fresh)
    assert not fresh.started.is_set()
    assert fresh.started.wait(5)


_LAUNCH = """
import threading

import streamlit as st

from ui import jobs, status


class Job:
    def __init__(self):
        self.started, self._stop, self.error = threading.Event(), threading.Event(), None

    done = stopped = property(lambda self: self._stop.is_set())

    def start(self):
        self.started.set()

    def stop(self):
        self._stop.set()

    def progress(self):
        return {"fraction": 0.4}


if "fake_job" not in st.session_state:
    st.session_state.fake_job, st.session_state.fake_result = Job(), "kept"
    st.session_state.other = "not the job's"
    jobs.launch(st.session_state.fake_job, "fake", keys=("fake_job", "fake_result"))
st.session_state.line = status.sidebar_line("fake_job", "fraction")
st.session_state.none = status.sidebar_line("no_such_job", "fraction")
"""


def test_a_launched_job_is_the_sessions_and_its_keys_go_with_the_session():
    from streamlit.testing.v1 import AppTest

    from ui.runs import REGISTRY

    at = AppTest.from_string(_LAUNCH, default_timeout=60).run()
    assert not at.exception, at.exception
    job = at.session_state["fake_job"]
    assert job.started.wait(5)  # started after the redraw delay
    assert (at.session_state["line"], at.session_state["none"]) == ("running 40%", "")
    (owner,) = [o for o in REGISTRY.owners() if job in REGISTRY.jobs_of(o)]
    # What the watchdog does once the tab has gone (every AppTest shares one session id, so
    # jobs of earlier tests in this process may be stopped with it).
    assert REGISTRY.stop_owner(owner) >= 1
    assert job.stopped
    assert "fake_job" not in at.session_state and "fake_result" not in at.session_state
    assert at.session_state["other"] == "not the job's"


class _QueuedRun:
    """A run still queued, with the notices its vocabulary gave (as a TrainingRun's progress)."""

    done = False
    result = None

    def __init__(self, notices):
        self.notices = notices

    def progress(self):
        return {"state": "queued", "fraction": 0.0, "notices": self.notices, "history": {}}

    def snapshots(self, after_step=None):
        return {"trajectory": [], "all_steps": [], "token_kinds": []}


def _live_notices():
    import streamlit as st

    from ui.live import live_view

    for notice in live_view().notices:
        st.caption(notice)


def test_the_train_page_words_the_runs_notices_with_the_data_pages_labels():
    import pickle

    from streamlit.testing.v1 import AppTest

    from pe_core.vectors import Vectors
    from pe_core.vocab import Vocabulary

    vectors = Vectors([f"w{i}" for i in range(40)], [[1.0, float(i)] for i in range(40)])
    text = " ".join(vectors.words) + " zork zork zork blarg blarg blarg"
    vocab = Vocabulary.build(vectors, [text], min_oov_count=3, max_oov_rows=1)
    kept = pickle.loads(pickle.dumps([*vocab.notices, "batch_size=64 is larger"]))  # a run store
    at = AppTest.from_function(_live_notices)
    at.session_state["run"] = _QueuedRun(kept)
    at.run()
    assert not at.exception, at.exception
    assert [c.value for c in at.caption] == [
        "1 OOV words (3 occurrences) share <unk>: a row needs at least 3 occurrences (“OOV "
        "words: minimum count”), and 1 that occur often enough did not fit under the cap of 1 "
        "rows (“OOV words: cap on their rows”; default: 10 % of the frozen rows). To give them "
        "rows, lower “OOV words: minimum count” or raise “OOV words: cap on their rows” (or "
        "choose “No cap”)",
        "batch_size=64 is larger",  # a plain text of the engine is shown as it is
    ]
