"""The one list of each choice: the library accepts every listed value and the app offers them."""

import pytest

from pe_core import choices
from pe_core.training import TrainConfig


def test_the_lists_hold_what_the_library_implements():
    assert list(choices.ENCODERS) == ["bag", "cnn", "bilstm"]
    assert all(isinstance(label, str) and label for label in choices.ENCODERS.values())
    assert choices.VARIANTS == ("dual", "frozen", "full", "lora")
    assert choices.OPTIMIZERS == ("adam", "adamw", "sgd", "rmsprop")
    assert choices.METRICS == ("cosine", "euclidean")


@pytest.mark.parametrize("optimizer", choices.OPTIMIZERS)
@pytest.mark.parametrize("encoder", list(choices.ENCODERS))
def test_every_listed_setting_passes_the_config_check(optimizer, encoder):
    TrainConfig(optimizer=optimizer, encoder=encoder).check()


def test_a_setting_not_listed_is_refused_naming_the_list():
    with pytest.raises(
        ValueError, match=r"optimizer must be one of \('adam', 'adamw', 'sgd', 'rmsprop'\)"
    ):
        TrainConfig(optimizer="adagrad").check()


def test_the_train_page_offers_exactly_the_listed_encoders_and_optimizers():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "pages" / "train.py").read_text()
    assert "from pe_core.choices import ENCODERS, OPTIMIZERS" in page
    assert "list(ENCODERS)" in page and "list(OPTIMIZERS)" in page
