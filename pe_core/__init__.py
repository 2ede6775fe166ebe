"""PE Lab core library: train only some word embeddings and see what the training does.

Importing ``pe_core`` is cheap: TensorFlow/Keras are imported only by the modules that
build models (``layers``, ``model``, ``training``, ``experiments``). It still registers every
custom Keras object (``pe_core.custom_objects``): at once when Keras is already imported,
otherwise right after Keras is first imported. So ``import pe_core`` is the one import that
``keras.saving.load_model(path, safe_mode=True)`` needs for a PE Lab model.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"


def _register_keras_objects() -> None:
    import pe_core.custom_objects  # noqa: F401  (importing registers the classes)


class _AfterKerasImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself; when ``keras`` is about to be imported it wraps that module's
    loader so our classes are registered the moment Keras has finished importing."""

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        sys.meta_path.remove(self)  # one shot, and the lookup below must not find us again
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_register(module):
            exec_module(module)
            _register_keras_objects()

        spec.loader.exec_module = exec_then_register
        return spec


if "keras" in sys.modules:
    _register_keras_objects()
elif not any(isinstance(f, _AfterKerasImport) for f in sys.meta_path):
    sys.meta_path.insert(0, _AfterKerasImport())
