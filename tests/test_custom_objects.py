import keras

from pe_core.custom_objects import custom_objects


def test_every_custom_layer_is_registered_under_its_pe_lab_name():
    objects = custom_objects()
    assert sorted(objects) == [
        "pe_lab>DualEmbedding",
        "pe_lab>MaskedMean",
        "pe_lab>PaddingToZero",
        "pe_lab>TableEmbedding",
    ]
    for name, cls in objects.items():
        assert keras.saving.get_registered_object(name) is cls
        assert keras.saving.get_registered_name(cls) == name
