import copy
import pickle

from pe_core.notices import CODE, Notice, Wording, word, worded

APP = Wording(
    {"min_oov_count": "OOV words: minimum count", "pretrained_specials": "Specials"},
    {"pretrained_specials": {"freeze": "“Keep them frozen”"}},
)


def test_a_notice_is_its_code_wording_and_words_settings_with_labels():
    n = Notice(
        "{n:,} words; lower {@min_oov_count}, choose {@pretrained_specials='freeze'} "
        "or {@min_oov_count=None}; {@other} stays",
        n=4131,
    )
    assert n == (
        "4,131 words; lower min_oov_count, choose pretrained_specials='freeze' "
        "or min_oov_count=None; other stays"
    )
    assert isinstance(n, str) and n.startswith("4,131 words")
    assert n.worded(APP) == (
        "4,131 words; lower “OOV words: minimum count”, choose “Keep them frozen” "
        "or “OOV words: minimum count” = None; other stays"
    )
    assert n.worded(CODE) == str(n)


def test_field_values_are_never_read_as_template():
    n = Notice("tokens {names}", names="{@min_oov_count} {x}")
    assert n == "tokens {@min_oov_count} {x}"
    assert n.worded(APP) == "tokens {@min_oov_count} {x}"


def test_a_notice_survives_pickle_and_copy_with_its_template():
    n = Notice("raise {@min_oov_count} to {k}", k=3)
    for again in (pickle.loads(pickle.dumps(n)), copy.deepcopy(n), copy.copy(n)):
        assert type(again) is Notice and again == n
        assert again.worded(APP) == "raise “OOV words: minimum count” to 3"


def test_worded_leaves_plain_texts_alone():
    assert worded("batch_size=64 is larger", APP) == "batch_size=64 is larger"
    assert worded(Notice("{@min_oov_count}"), APP) == "“OOV words: minimum count”"
    assert word("{@max_oov_rows=None}") == "max_oov_rows=None"
