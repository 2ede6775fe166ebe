import numpy as np
import pytest

from pe_core.closeness import WEAK_COSINE, describe_nearest, is_weak, weak_heading, weak_mask


def test_threshold_default_is_point_three():
    assert WEAK_COSINE == 0.3


@pytest.mark.parametrize(
    "cos, weak", [(0.31, False), (0.3, False), (0.29, True), (-0.5, True), (float("nan"), True)]
)
def test_is_weak_at_the_threshold(cos, weak):
    assert is_weak(cos) is weak


def test_negative_threshold_still_calls_negative_cosines_weak():
    assert is_weak(-0.1, threshold=-0.2)
    assert not is_weak(0.05, threshold=0.0)


def test_weak_mask_matches_is_weak():
    values = [0.9, 0.1, -0.2, 0.3, np.nan]
    assert weak_mask(values).tolist() == [is_weak(v) for v in values]


def test_describe_nearest_lists_top_three_or_says_no_close_word():
    assert describe_nearest(["a", "b", "c", "d"], [0.9, 0.8, 0.7, 0.6]) == "a 0.90, b 0.80, c 0.70"
    assert describe_nearest(["abu", "sri"], [0.12, 0.1]) == "no close word yet (best cosine 0.12)"
    assert weak_heading(-0.04) == "no close word yet (best cosine -0.04)"


def test_bad_threshold_and_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match=r"threshold must be a number in \[-1, 1\], got 2"):
        is_weak(0.5, threshold=2)
    with pytest.raises(ValueError, match="got 2 words but 1 cosines"):
        describe_nearest(["a", "b"], [0.5])
