"""The tiny two-class corpus the training and experiment tests share (fast to train)."""

import numpy as np

from pe_core.vectors import Vectors

WORDS = "good great happy bad awful sad the a movie day".split()
VECTORS = Vectors(WORDS, np.random.default_rng(0).normal(size=(len(WORDS), 8)).astype("float32"))
POS = ["good movie :)", "great day #fun", "happy happy zorg", "a good day", "great great movie"]
NEG = ["bad movie :(", "awful day", "sad sad blarg", "the bad day", "awful awful movie"]
TEXTS = POS * 6 + NEG * 6
LABELS = ["pos"] * 30 + ["neg"] * 30
# 48 training rows -> 6 batches per epoch; every OOV word keeps its row (no 10 % cap here).
TINY = {"epochs": 2, "batch_size": 8, "hidden": 4, "max_oov_rows": None}
