"""The shared argument checks: what passes, and the exact message of what does not."""

import numpy as np
import pytest

from pe_core.checks import (
    check_model_args,
    dropout_rate,
    int_at_least,
    is_int,
    number_at_least,
    one_of,
)


@pytest.mark.parametrize("value", [0, 3, np.int64(7), np.uint8(2)])
def test_integers_of_python_and_numpy_are_integers(value):
    assert is_int(value)


@pytest.mark.parametrize("value", [True, False, 3.0, "3", None])
def test_bools_floats_strings_are_not(value):
    assert not is_int(value)


def test_int_at_least_returns_a_python_int_and_names_the_argument():
    assert int_at_least("epochs", np.int32(5), 1) == 5 and type(int_at_least("e", 5, 1)) is int
    with pytest.raises(ValueError, match=r"^epochs must be an integer >= 1, got 0$"):
        int_at_least("epochs", 0, 1)
    with pytest.raises(ValueError, match=r"^max_len must be an integer >= 1 or None, got True$"):
        int_at_least("max_len", True, 1, "or None")


def test_number_at_least_takes_ints_and_floats_but_not_bools_or_strings():
    assert number_at_least("perplexity", 1, 1) == 1
    assert number_at_least("min_dist", np.float32(0.5), 0) == np.float32(0.5)
    for bad in (0.5, True, "5", None, float("nan")):
        with pytest.raises(ValueError, match=r"^perplexity must be a number >= 1, got "):
            number_at_least("perplexity", bad, 1)


def test_one_of_lists_the_choices():
    assert one_of("metric", "cosine", ("cosine", "euclidean")) == "cosine"
    with pytest.raises(
        ValueError, match=r"metric must be one of \('cosine', 'euclidean'\), got 'l1'"
    ):
        one_of("metric", "l1", ("cosine", "euclidean"))


@pytest.mark.parametrize("rate", [1.0, -0.1, 2])
def test_dropout_outside_zero_one_is_refused(rate):
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        dropout_rate("dropout", rate)
    assert dropout_rate("dropout", 0.0) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"encoder": "gru"}, "encoder must be one of ('bag', 'cnn', 'bilstm'), got 'gru'"),
        ({"variant": "half"}, "variant must be one of ('dual', 'frozen', 'full', 'lora')"),
        ({"hidden": 0}, "hidden must be an integer >= 1, got 0"),
        ({"lora_rank": 0}, "lora_rank must be an integer >= 1, got 0"),
        ({"dropout": 1.5}, "dropout must be in [0, 1), got 1.5"),
    ],
)
def test_check_model_args_is_the_one_check_of_the_model_settings(kwargs, message):
    args = {"encoder": "bag", "variant": "dual", "hidden": 8, "dropout": 0.1, "lora_rank": 4}
    check_model_args(**args)  # the defaults pass
    with pytest.raises(ValueError) as err:
        check_model_args(**{**args, **kwargs})
    assert message in str(err.value)
