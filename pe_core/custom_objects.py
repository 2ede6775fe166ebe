"""Every custom Keras object of PE Lab, registered by importing this module.

A saved PE Lab model names its layers ``pe_lab>DualEmbedding``, ``pe_lab>MaskedMean`` and so on;
``keras.saving.load_model`` finds them only once the classes are registered. ``import pe_core``
arranges for this module to be imported as soon as Keras is (see ``pe_core/__init__.py``), so
that one import is enough, without making ``import pe_core`` pay for TensorFlow.
"""

from __future__ import annotations

# Module imports, not ``from ... import Class``: this module may run while ``pe_core.layers``
# is itself half-imported (its ``import keras`` triggers us); it registers its class when done.
from pe_core import layers, model

_CLASSES = ("DualEmbedding", "MaskedMean", "PaddingToZero", "TableEmbedding")


def custom_objects() -> dict:
    """The registered classes by their registered names (``custom_objects=`` for old loaders)."""
    owners = {"DualEmbedding": layers}
    return {f"pe_lab>{name}": getattr(owners.get(name, model), name) for name in _CLASSES}
