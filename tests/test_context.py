import numpy as np
import pytest

from pe_core.context import majority_baseline, overfitting_note, rising_val_loss


def test_majority_baseline_on_the_validation_rows_only():
    labels = np.array([0, 2, 2, 1, 2, 0, 0, 0])
    base = majority_baseline(labels, [1, 2, 3, 4, 5], ["negative", "neutral", "positive"])
    assert base.label == "positive" and base.accuracy == pytest.approx(3 / 5)
    assert base.macro_f1 == pytest.approx(2 * 0.6 / 1.6 / 3)
    named = majority_baseline(["a", "b", "b"], [0, 1, 2], ["a", "b"])
    assert (named.label, named.accuracy) == ("b", pytest.approx(2 / 3))
    with pytest.raises(ValueError, match="no validation rows"):
        majority_baseline(labels, [], ["x"])


def test_rising_val_loss_needs_two_rises_in_a_row():
    assert rising_val_loss([0.9, 0.8, 0.85, 0.9, 0.95]) == [4, 5]
    assert rising_val_loss([0.9, 0.95, 0.9, 0.95, 0.9]) == []  # single rises are noise
    assert rising_val_loss([0.5]) == []
    note = overfitting_note([0.94, 0.91, 0.90, 0.97, 1.02, 1.11])
    assert note.startswith("Overfitting: validation loss rose for 3 epochs in a row")
    assert "lowest 0.900 at epoch 3" in note
    assert overfitting_note([0.9, 0.8, 0.7]) == ""


def test_one_class_note_names_the_only_class_answered():
    from pe_core.context import one_class_note

    assert one_class_note([0, 12, 0], ["neg", "neu", "pos"]) == (
        "The model answers 'neu' for all 12 validation texts: it has not learned to tell the "
        "3 classes apart, so its accuracy is only the share of 'neu' there. Balance the "
        "classes (more texts of the others), train longer or with a different learning rate."
    )
    assert one_class_note([3, 9, 0], ["neg", "neu", "pos"]) == ""  # two classes answered
    assert one_class_note([], ["neg", "pos"]) == ""  # no epoch ended: nothing to judge
