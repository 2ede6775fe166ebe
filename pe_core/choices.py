"""The one list of each set of choices: encoders, model variants, optimizers, distance metrics.

The library validates against these and the app draws its select boxes from them, so a new
choice is added here once. No imports: every module may use this one.
"""

#: Encoder name -> how the app labels it.
ENCODERS: dict[str, str] = {
    "bag": "Bag of embeddings (fast)",
    "cnn": "1-D CNN",
    "bilstm": "BiLSTM (slow)",
}
#: The embedding variants ``build_model`` knows (arms such as "dual+promoted" build on them).
VARIANTS: tuple[str, ...] = ("dual", "frozen", "full", "lora")
OPTIMIZERS: tuple[str, ...] = ("adam", "adamw", "sgd", "rmsprop")
#: Distance metrics of nearest-word searches and of the maps.
METRICS: tuple[str, ...] = ("cosine", "euclidean")
