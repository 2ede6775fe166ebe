"""PE Lab core library: train only some word embeddings and see what the training does.

Importing ``pe_core`` is cheap: TensorFlow/Keras are imported only by the modules that
build models (``layers``, ``model``, ``training``, ``experiments``).
"""

__version__ = "0.1.0"
