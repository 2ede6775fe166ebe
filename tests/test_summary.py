from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from pe_core.axes import SemanticAxis
from pe_core.neighbourhood import endpoints
from pe_core.report import report_html
from pe_core.summary import (
    _change_sentence,
    comparison_sentence,
    featured_scope,
    featured_tokens,
    summarize_run,
)
from pe_core.vectors import Vectors

WORDS = ["good", "great", "bad", "awful", "table"]
MATRIX = np.array(
    [[1, 0, 0], [0.9, 0.1, 0], [-1, 0, 0.1], [-0.9, 0, 0.2], [0, 0, 1]], dtype=np.float32
)


def _run():
    # <smile> goes from zero to "good"; <sad> to "bad"; <url> ends orthogonal to every word
    # (best: "great", cosine 0.11: weak); <unk> never moves.
    traj = np.zeros((3, 4, 3), dtype=np.float32)
    traj[1, 0], traj[2, 0] = [0.2, 0, 0.2], [2, 0, 0]
    traj[1, 1], traj[2, 1] = [0, 0, 0.3], [-2, 0, 0]
    traj[1, 2], traj[2, 2] = [0, 1, 0], [0, 3, 0.3]
    return SimpleNamespace(
        tokens=["<smile>", "<sad>", "<url>", "<unk>"],
        token_kinds=["special", "special", "special", "unk"],
        trajectory=traj,
        steps=np.array([0, 5, 10]),
        epochs=np.array([0.0, 0.5, 1.0]),
        history={"val_accuracy": [0.8, 0.9], "loss": [1, 0.5]},
        encoder="bag",
        state="done",
    )


def test_featured_tokens_are_the_specials_that_travelled_furthest_then_the_picks():
    result = _run()
    assert featured_tokens(result, n=2) == ["<url>", "<smile>"]  # L2 3.01, 2.0 (<sad> 2.0)
    assert featured_tokens(result, ["<unk>", "<nope>"], n=1) == ["<url>", "<unk>"]


def _run_with_emoji_and_oov():
    # The emoji travels furthest of the specials (4.0), the OOV word "lol" furthest of all (5.0).
    result = _run()
    traj = np.zeros((3, 6, 3), dtype=np.float32)
    traj[:, :4] = result.trajectory
    traj[2, 4], traj[2, 5] = [0, 0, 4], [5, 0, 0]
    result.trajectory = traj
    result.tokens = [*result.tokens, "😂", "lol"]
    result.token_kinds = [*result.token_kinds, "special", "oov"]
    return result


def test_emoji_are_featured_when_they_travel_further_and_a_further_oov_word_is_named():
    result = _run_with_emoji_and_oov()
    tokens = featured_tokens(result)
    assert tokens == ["😂", "<url>", "<smile>"]
    assert featured_scope(result, tokens) == (
        "Featured: the special tokens that travelled furthest (rule tokens such as <smile> and "
        "emoji; 4 of the 6 trainable rows), and any you add. The OOV word lol travelled further "
        "(5.00 L2, against 2.00 for <smile>); add it under Also feature to see it."
    )
    with_lol = featured_tokens(result, ["lol"])
    assert featured_scope(result, with_lol) == (
        "Featured: the special tokens that travelled furthest (rule tokens such as <smile> and "
        "emoji; 4 of the 6 trainable rows), and any you add."
    )
    still = _run()
    still.trajectory = np.zeros_like(still.trajectory)
    assert featured_tokens(still) == [] and featured_scope(still, []) == ""


@pytest.mark.parametrize(
    ("same", "words"),
    [
        (0, "changed completely"),
        (1, "changed almost completely"),
        (3, "changed almost completely"),
        (4, "changed by about half"),
        (6, "changed by about half"),
        (7, "changed a little"),
        (9, "changed a little"),
        (10, "did not change"),
    ],
)
def test_neighbourhood_change_words_follow_the_words_that_remain(same, words):
    kept = same / (20 - same)  # Jaccard of two top-10 lists sharing `same` words
    assert _change_sentence(kept, 10, 1.5) == (
        f"Neighbourhood {words}: {same} of its first 10 nearest words remain "
        f"(Jaccard {kept:.2f}); the vector travelled 1.50 (L2) from its initial row."
    )


def test_summary_sentences_say_where_tokens_went_and_admit_weak_results():
    result, vectors = _run(), Vectors(WORDS, MATRIX)
    axis = SemanticAxis(["good", "great"], ["bad", "awful"], vectors)
    summary = summarize_run(
        result,
        vectors,
        ["<smile>", "<sad>", "<url>", "<unk>"],
        axis=axis,
        word_scores=axis.score(MATRIX),
        ends=endpoints(result.trajectory, MATRIX, k=3),
        k=2,
    )
    smile, sad, url, unk = summary.stories
    assert smile.sentences[1] == "End: good 1.00, great 0.99, table 0.00."
    assert "towards good great" in smile.sentences[2] and smile.axis_change > 0.5
    assert "towards bad awful" in sad.sentences[2] and sad.axis_change < -0.5
    assert url.sentences[1] == "End: no close word yet (best cosine 0.11)."
    assert unk.sentences == ["<unk> never got a direction: it is still the zero vector."]
    assert smile.sentences[0].startswith("Start: no direction (a zero vector); after its first")
    assert smile.kept == 1 / 3
    assert smile.sentences[3].startswith(
        "Neighbourhood changed by about half: 1 of its first 2 nearest words remain"
    )
    assert summary.headline.startswith("A bag classifier trained 4 token rows")
    assert summary.comparison.startswith("Run Compare")
    assert summary.scope.startswith("Featured: the special tokens that travelled furthest")
    assert summary.paragraphs()[1] == summary.scope


def test_comparison_sentence_states_the_gain_over_frozen():
    table = pd.DataFrame(
        [
            {"variant": "frozen", "best_val_accuracy": 0.80},
            {"variant": "dual", "best_val_accuracy": 0.86},
        ]
    )
    text = comparison_sentence(SimpleNamespace(table=table))
    assert text == (
        "Training only the special rows (dual) reached 86.0% best validation accuracy vs "
        "80.0% with every row frozen: +6.0%, a real gain."
    )


def test_report_is_one_offline_html_file_with_escaped_text():
    fig = go.Figure(go.Scatter(x=[1], y=[2]))
    page = report_html("PE Lab", "A run.", [("<smile>", ["It moved."])], [("Map", fig), ("B", fig)])
    assert page.startswith("<!DOCTYPE html>") and "&lt;smile&gt;" in page and "<smile>" not in page
    assert page.count("<h2>") == 2
    assert '<script src="http' not in page  # plotly.js inline: opens offline
    assert page.count("<script>/**") == 1  # ... and only once


def test_a_story_says_how_often_its_token_was_seen_when_the_run_counted_it():
    result, vectors = _run(), Vectors(WORDS, MATRIX)
    result.vocabulary = SimpleNamespace(stats={"trainable_counts": [52, 1, 5, 0], "texts": 2000})
    summary = summarize_run(result, vectors, ["<smile>", "<sad>", "<url>", "<unk>"])
    assert [story.sentences[0] for story in summary.stories] == [
        "Seen 52 times in the 2,000 texts.",
        "Seen 1 time in the 2,000 texts.",
        "Seen 5 times in the 2,000 texts.",
        "Seen 0 times in the 2,000 texts.",
    ]
    assert summary.stories[2].sentences[1].startswith("Start: ")
    result.vocabulary = SimpleNamespace(stats={})  # a vocabulary from before the counts
    assert summarize_run(result, vectors, ["<url>"]).stories[0].sentences[0].startswith("Start:")
