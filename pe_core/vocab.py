"""The vocabulary: which token gets which id, and the initial trainable rows.

Id layout (the contract with :class:`pe_core.layers.DualEmbedding`):

====================  ==========================================================
id                    meaning
====================  ==========================================================
0                     padding (zero vector, masked)
1 .. V                pretrained words, ``frozen_matrix[id - 1]`` (never trained)
V+1 .. V+k            trainable rows ``trainable_tokens[id - V - 1]``: ``<unk>``
                      first, then specials, frequent OOV words, promoted words
====================  ==========================================================

Example:
    >>> vocab = Vocabulary.build(vectors, texts, Tokenizer(), min_oov_count=3)  # doctest: +SKIP
    >>> ids = vocab.encode(texts, max_len=50)  # int32 (n, 50)  # doctest: +SKIP
    >>> rows = vocab.initial_trainable("mean")  # (k, d) for DualEmbedding  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from pe_core.checks import is_int
from pe_core.notices import Notice
from pe_core.tokens import Tokenizer, _check_specials
from pe_core.vectors import Vectors

UNK = "<unk>"
KINDS = ("unk", "special", "oov", "promoted")
#: Default cap on OOV rows, as a share of the frozen rows: "not enough data to learn new
#: embeddings for all words" is the premise, so unknown words stay a small minority.
OOV_SHARE = 0.10
#: Trainable embedding parameters at or above this share of the frozen ones trigger a warning.
WARN_SHARE = 0.25
PRETRAINED_SPECIALS = ("promote", "freeze")
INITS = ("zeros", "mean", "random", "word:<word>")
TRUNCATES = ("post", "pre")


def _check_texts(texts, name: str = "texts") -> list[str]:
    if isinstance(texts, str):
        raise ValueError(f"{name} must be a list of strings, got one string; write [{texts!r}]")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(
                f"{name}[{i}] must be a str, got {type(text).__name__} ({text!r}); "
                "drop or fill missing texts first"
            )
    return texts


def _check_init(init: str, vectors: Vectors | None) -> str:
    if not isinstance(init, str) or not (
        init in ("zeros", "mean", "random") or (init.startswith("word:") and len(init) > 5)
    ):
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {init!r}")
    if init.startswith("word:") and vectors is not None and init[5:] not in vectors:
        raise ValueError(
            f"init {init!r}: the word {init[5:]!r} is not in the vectors; choose another word"
        )
    return init


class TrainableShareWarning(UserWarning):
    """The trainable rows are a large share of the frozen ones (see :data:`WARN_SHARE`)."""


def _check_count(value, name: str, minimum: int) -> int | None:
    if value is None:
        return None
    if not is_int(value) or value < minimum:
        raise ValueError(f"{name} must be None or an integer >= {minimum}, got {value!r}")
    return int(value)


class Vocabulary:
    """Token <-> id mapping over frozen pretrained rows and a few trainable rows.

    Build it with :meth:`build`. Attributes:
        frozen_words: the V pretrained words that get frozen ids 1..V, in vector-file order.
        frozen_matrix: float32 (V, d), row ``id - 1`` of each frozen id.
        trainable_tokens: the k tokens with trainable ids V+1..V+k; ``[0]`` is ``"<unk>"``.
        token_kinds: parallel to ``trainable_tokens``: "unk" | "special" | "oov" | "promoted".
        tokenizer: the :class:`~pe_core.tokens.Tokenizer` used by :meth:`encode`.
        init: the default for :meth:`initial_trainable`; seed: its random seed.
        stats: counts from the build texts (see :meth:`build`).
        pretrained_start: special tokens that are also pretrained words and whose trainable
            rows start from their pretrained vectors (promoted specials, kind "special").
        notices / warnings: what :meth:`build` wants the user to know (texts).
    """

    def __init__(
        self,
        frozen_words: Sequence[str],
        frozen_matrix: np.ndarray,
        trainable_tokens: Sequence[str],
        token_kinds: Sequence[str],
        tokenizer: Tokenizer,
        vectors: Vectors,
        init: str = "zeros",
        seed: int = 0,
        stats: Mapping | None = None,
        pretrained_start: Sequence[str] = (),
    ) -> None:
        self.frozen_words = list(frozen_words)
        self.frozen_matrix = np.asarray(frozen_matrix, dtype=np.float32)
        self.trainable_tokens = list(trainable_tokens)
        self.token_kinds = list(token_kinds)
        self.tokenizer = tokenizer
        self.vectors = vectors
        self.init = _check_init(init, vectors)
        self.seed = int(seed)
        self.stats = dict(stats or {})
        self.pretrained_start = [t for t in pretrained_start if t in vectors]
        self.notices: list[str] = []
        self.warnings: list[str] = []
        if self.frozen_matrix.shape != (len(self.frozen_words), vectors.dim):
            raise ValueError(
                f"frozen_matrix has shape {self.frozen_matrix.shape}, expected "
                f"({len(self.frozen_words)}, {vectors.dim})"
            )
        if len(self.token_kinds) != len(self.trainable_tokens):
            raise ValueError("token_kinds must be parallel to trainable_tokens")
        if not self.trainable_tokens or self.trainable_tokens[0] != UNK:
            raise ValueError(f"trainable_tokens[0] must be {UNK!r}")
        bad = [kind for kind in self.token_kinds if kind not in KINDS]
        if bad:
            raise ValueError(f"token kinds must be in {KINDS}, got {bad[0]!r}")
        self._ids = id_layout(self.frozen_words, self.trainable_tokens)
        self._tokens = ["", *self.frozen_words, *self.trainable_tokens]

    # -- sizes --------------------------------------------------------------------------------

    @property
    def num_frozen(self) -> int:
        """V, the number of frozen pretrained rows."""
        return len(self.frozen_words)

    @property
    def num_trainable(self) -> int:
        """k, the number of trainable rows (``<unk>`` included)."""
        return len(self.trainable_tokens)

    @property
    def dim(self) -> int:
        """d, the vector dimension."""
        return int(self.frozen_matrix.shape[1])

    @property
    def size(self) -> int:
        """Number of ids, 1 + V + k (padding included)."""
        return 1 + self.num_frozen + self.num_trainable

    @property
    def unk_id(self) -> int:
        return self.num_frozen + 1

    def __len__(self) -> int:
        return self.size

    def __contains__(self, token: object) -> bool:
        return token in self._ids

    def __repr__(self) -> str:
        return f"Vocabulary(V={self.num_frozen}, k={self.num_trainable}, d={self.dim})"

    # -- building -----------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        vectors: Vectors,
        texts: Iterable[str],
        tokenizer: Tokenizer | None = None,
        specials: Iterable[str] = (),
        min_oov_count: int | None = None,
        promote: Iterable[str] = (),
        max_frozen: int | None = None,
        init: str = "zeros",
        seed: int = 0,
        *,
        max_oov_rows: int | None | str = "auto",
        pretrained_specials: str = "promote",
    ) -> Vocabulary:
        """Choose the frozen and trainable tokens for ``texts``.

        Args:
            vectors: the pretrained vectors (file order = frequency order for GloVe).
            texts: the training texts; tokenized with ``tokenizer`` (default ``Tokenizer()``).
            specials: extra special tokens; each always gets a trainable row and is added to the
                tokenizer as a literal special if it cannot emit it yet.
            min_oov_count: words without a vector seen at least this often may get their own
                trainable row (None: none do; they all share ``<unk>``).
            promote: pretrained words to fine-tune: trainable rows starting at their vector.
            max_frozen: also freeze the most frequent pretrained words that do not occur in the
                texts until V reaches this total (words that occur are never dropped).
            init: default of :meth:`initial_trainable`: "zeros", "mean", "random", "word:<w>".
            seed: seed of the "random" init.
            max_oov_rows: at most this many OOV rows, the most frequent first; "auto" (default)
                is 10 % of the frozen rows (:data:`OOV_SHARE`), None is no cap.
            pretrained_specials: what to do with a special token that is also a pretrained word
                (GloVe Twitter has ``<user>``, ``<url>``, ...): "promote" (default) gives it a
                trainable row that starts from its pretrained vector; "freeze" keeps its
                pretrained row frozen (no trainable row).

        The trainable rows are ``<unk>``, then the tokenizer's special tokens that occur in the
        texts plus every explicit special (tokenizer order), then tokens of rules that emit the
        matched text (emoji) that occur and have no vector (by count, then token), then OOV
        words (by count, then word; at least ``min_oov_count`` each, at most ``max_oov_rows``),
        then the promoted words (given order).

        ``notices`` tells what was left to ``<unk>`` and which specials were promoted; when the
        trainable embedding parameters reach 25 % of the frozen ones (:data:`WARN_SHARE`) a
        :class:`TrainableShareWarning` is issued and ``warnings`` holds its text.

        Raises:
            ValueError: empty texts or no tokens; duplicate specials or promoted words; a
                promoted word without a vector; a bad ``min_oov_count``, ``max_oov_rows``,
                ``max_frozen``, ``pretrained_specials`` or ``init``.
        """
        texts = _check_texts(texts)
        if not texts:
            raise ValueError("texts is empty; give at least one text to build a vocabulary from")
        min_oov_count = _check_count(min_oov_count, "min_oov_count", 1)
        max_frozen = _check_count(max_frozen, "max_frozen", 0)
        if max_oov_rows != "auto":
            max_oov_rows = _check_count(max_oov_rows, "max_oov_rows", 0)
        if pretrained_specials not in PRETRAINED_SPECIALS:
            raise ValueError(
                f"pretrained_specials must be 'promote' or 'freeze', got {pretrained_specials!r}"
            )
        init = _check_init(init, vectors)
        explicit = list(_check_specials(specials))
        promoted = _check_promote(promote, vectors)
        tokenizer = Tokenizer() if tokenizer is None else tokenizer
        emitted = set(tokenizer.special_tokens)
        tokenizer = tokenizer.with_specials(s for s in explicit if s not in emitted)
        if UNK in tokenizer.special_tokens:
            raise ValueError(
                f"special token {UNK!r} is reserved (it is always the first trainable row); "
                "rename that special or rule token"
            )

        counts, dynamic = _count(tokenizer, texts)
        if not counts:
            raise ValueError(f"the {len(texts)} texts contain no tokens (all empty or blank)")
        special_rows, pretrained = _special_rows(
            tokenizer, counts, dynamic, explicit, promoted, vectors, pretrained_specials
        )
        exclude = set(promoted) | set(pretrained) | {UNK}
        frozen_rows = _frozen_rows(vectors, counts, exclude, max_frozen)
        cap = _oov_cap(max_oov_rows, len(frozen_rows))
        taken = {UNK, *special_rows, *promoted}
        candidates = [
            tok
            for tok, n in _by_count(counts)
            if min_oov_count is not None
            and n >= min_oov_count
            and tok not in taken
            and tok not in vectors
        ]
        oov_rows = candidates if cap is None else candidates[:cap]
        tokens = [UNK, *special_rows, *oov_rows, *promoted]
        kinds = ["unk"] + ["special"] * len(special_rows) + ["oov"] * len(oov_rows)
        kinds += ["promoted"] * len(promoted)
        vocab = cls(
            [vectors.words[r] for r in frozen_rows],
            vectors.matrix[frozen_rows],
            tokens,
            kinds,
            tokenizer,
            vectors,
            init=init,
            seed=seed,
            pretrained_start=pretrained,
        )
        vocab.stats = vocab._build_stats(counts, dynamic, len(texts))
        vocab.stats |= {
            "min_oov_count": min_oov_count,
            "max_oov_rows": cap,
            "oov_over_cap": len(candidates) - len(oov_rows),
            "promoted_specials": list(pretrained),
            # Parallel to trainable_tokens (<unk>: every token it stands for), so a page can say
            # how many occurrences a row learned from.
            "trainable_counts": [
                vocab.stats["unk_tokens"] if tok == UNK else counts.get(tok, 0) for tok in tokens
            ],
        }
        vocab.notices, vocab.warnings = _build_notices(vocab, pretrained)
        for text in vocab.warnings:
            warnings.warn(text, TrainableShareWarning, stacklevel=2)
        return vocab

    def _build_stats(self, counts: Counter, dynamic: set[str], num_texts: int) -> dict:
        specials = set(self.tokenizer.special_tokens) | dynamic
        words = {tok: n for tok, n in counts.items() if tok not in specials}
        oov = {tok: n for tok, n in words.items() if tok not in self.vectors}
        left = {tok: n for tok, n in oov.items() if tok not in self._ids}
        total = sum(counts.values())
        unk = sum(n for tok, n in counts.items() if tok not in self._ids)
        V, k, d = self.num_frozen, self.num_trainable, self.dim
        return {
            "texts": num_texts,
            "tokens": total,
            "special_tokens": total - sum(words.values()),
            "oov_tokens": sum(oov.values()),
            "oov_rate": sum(oov.values()) / total,
            "unk_tokens": unk,
            "unk_rate": unk / total,
            "word_types": len(words),
            "oov_types": len(oov),
            "oov_left_types": len(left),
            "oov_left_tokens": sum(left.values()),
            "coverage": (len(words) - len(oov)) / len(words) if words else 1.0,
            "V": V,
            "k": k,
            "d": d,
            "trainable_params": k * d,
            "frozen_params": V * d,
            "trainable_share": k / V if V else float("inf"),
        }

    # -- ids ----------------------------------------------------------------------------------

    def id_of(self, token: str) -> int:
        """The id of ``token``; ``KeyError`` naming it when the vocabulary does not have it."""
        try:
            return self._ids[token]
        except KeyError:
            raise KeyError(
                f"token {token!r} is not in the vocabulary (V={self.num_frozen}, "
                f"k={self.num_trainable}); encode() maps it to {UNK!r}"
            ) from None

    def token_of(self, id_: int) -> str:
        """The token of id ``id_`` (1 .. size-1)."""
        if not 1 <= int(id_) < self.size:
            raise ValueError(f"id {id_} is out of range 1..{self.size - 1} (0 is padding)")
        return self._tokens[int(id_)]

    def encode_tokens(
        self, token_lists: Iterable[Sequence[str]], max_len: int, truncate: str = "post"
    ) -> np.ndarray:
        """Ids of already tokenized texts: int32 (n, max_len), padded at the end with 0.

        Unknown tokens become the ``<unk>`` id. ``truncate="post"`` keeps the first ``max_len``
        tokens of a longer text, ``"pre"`` the last ``max_len``.
        """
        return encode_ids(self._ids, self.unk_id, token_lists, max_len, truncate)

    def encode(self, texts: Iterable[str], max_len: int, truncate: str = "post") -> np.ndarray:
        """Tokenize ``texts`` and return their ids, int32 (n, max_len); see :meth:`encode_tokens`."""
        texts = _check_texts(texts)
        return self.encode_tokens(map(self.tokenizer.tokenize, texts), max_len, truncate)

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens of a 1-D sequence of ids, skipping padding (0)."""
        arr = np.asarray(ids)
        if arr.ndim != 1:
            raise ValueError(
                f"decode takes one sequence of ids (1-D), got shape {arr.shape}; "
                "decode each row separately"
            )
        if arr.size and (arr.min() < 0 or arr.max() >= self.size):
            bad = arr[(arr < 0) | (arr >= self.size)][0]
            raise ValueError(f"id {bad} is out of range 0..{self.size - 1}")
        return [self._tokens[i] for i in arr.tolist() if i != 0]

    # -- initial trainable rows ---------------------------------------------------------------

    def initial_trainable(self, init: str | None = None) -> np.ndarray:
        """Initial trainable rows, float32 (k, d), for ``DualEmbedding``.

        ``init`` (default: the one given to :meth:`build`): "zeros"; "mean" (every row is the
        mean of the frozen rows); "random" (normal directions scaled to the mean row norm of the
        frozen rows, seeded by ``seed``); "word:<w>" (every row a copy of the vector of ``w``).
        Promoted rows and promoted specials (``pretrained_start``) always start at their own
        pretrained vector. With no frozen rows, "mean" and "random" use all the vectors instead.
        """
        init = _check_init(self.init if init is None else init, self.vectors)
        k, d = self.num_trainable, self.dim
        reference = self.frozen_matrix if self.num_frozen else self.vectors.matrix
        if init == "zeros":
            rows = np.zeros((k, d), dtype=np.float32)
        elif init == "mean":
            rows = np.tile(reference.mean(axis=0, dtype=np.float64), (k, 1))
        elif init == "random":
            rng = np.random.default_rng(self.seed)
            rows = rng.standard_normal((k, d))
            rows /= np.linalg.norm(rows, axis=1, keepdims=True)
            rows *= np.linalg.norm(reference.astype(np.float64), axis=1).mean()
        else:
            rows = np.tile(self.vectors.vector(init[5:]), (k, 1))
        rows = np.asarray(rows, dtype=np.float32)
        starts = set(self.pretrained_start)
        for i, (token, kind) in enumerate(
            zip(self.trainable_tokens, self.token_kinds, strict=True)
        ):
            if kind == "promoted" or token in starts:
                rows[i] = self.vectors.vector(token)
        return rows

    # -- serialisation ------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """JSON-able description without the matrices; :meth:`from_dict` rebuilds it."""
        return {
            "frozen_words": list(self.frozen_words),
            "trainable_tokens": list(self.trainable_tokens),
            "token_kinds": list(self.token_kinds),
            "tokenizer": self.tokenizer.to_dict(),
            "init": self.init,
            "seed": self.seed,
            "dim": self.dim,
            "stats": dict(self.stats),
            "pretrained_start": list(self.pretrained_start),
        }

    @classmethod
    def from_dict(cls, data: Mapping, vectors: Vectors) -> Vocabulary:
        """Rebuild from :meth:`to_dict` output, taking the rows from ``vectors``."""
        if vectors.dim != data["dim"]:
            raise ValueError(f"the vocabulary has d={data['dim']}, the vectors d={vectors.dim}")
        missing = [w for w in data["frozen_words"] if w not in vectors]
        if missing:
            raise ValueError(
                f"{len(missing)} frozen words are not in the vectors (first: {missing[0]!r}); "
                "use the vectors the vocabulary was built with"
            )
        rows = [vectors.index(w) for w in data["frozen_words"]]
        return cls(
            data["frozen_words"],
            vectors.matrix[rows],
            data["trainable_tokens"],
            data["token_kinds"],
            Tokenizer.from_dict(data["tokenizer"]),
            vectors,
            init=data["init"],
            seed=data["seed"],
            stats=data.get("stats"),
            pretrained_start=data.get("pretrained_start", ()),
        )


# -- the id layout, shared with pe_core.bundle (which encodes without the vectors) ------------


def id_layout(frozen_words: Sequence[str], trainable_tokens: Sequence[str]) -> dict[str, int]:
    """token -> id: frozen words 1..V (first occurrence wins), then trainable V+1..V+k."""
    ids: dict[str, int] = {}
    for i, word in enumerate(frozen_words, start=1):
        ids.setdefault(word, i)
    for i, token in enumerate(trainable_tokens, start=len(frozen_words) + 1):
        ids[token] = i  # a trainable row wins over a frozen one of the same name
    return ids


def encode_ids(
    ids: Mapping[str, int],
    unk_id: int,
    token_lists: Iterable[Sequence[str]],
    max_len: int,
    truncate: str = "post",
) -> np.ndarray:
    """int32 (n, max_len) ids of tokenized texts, 0-padded; unknown tokens get ``unk_id``."""
    if not is_int(max_len) or max_len < 1:
        raise ValueError(f"max_len must be an integer >= 1, got {max_len!r}")
    if truncate not in TRUNCATES:
        raise ValueError(f"truncate must be 'post' or 'pre', got {truncate!r}")
    token_lists = list(token_lists)
    out = np.zeros((len(token_lists), int(max_len)), dtype=np.int32)
    for row, tokens in enumerate(token_lists):
        if isinstance(tokens, str):
            raise ValueError(
                f"token_lists[{row}] is a string; pass lists of tokens (or use encode())"
            )
        tokens = tokens[:max_len] if truncate == "post" else tokens[-max_len:]
        out[row, : len(tokens)] = [ids.get(tok, unk_id) for tok in tokens]
    return out


# -- build helpers ----------------------------------------------------------------------------


def _check_promote(promote: Iterable[str], vectors: Vectors) -> list[str]:
    if isinstance(promote, str):
        raise ValueError(f"promote must be a list of words, got one string; write [{promote!r}]")
    out: list[str] = []
    for word in promote:
        if word in out:
            raise ValueError(f"promote lists {word!r} twice; list each word once")
        if word not in vectors:
            raise ValueError(
                f"cannot promote {word!r}: it is not in the vectors; add it as a special "
                "token instead (it will start from the chosen init)"
            )
        out.append(word)
    return out


def _count(tokenizer: Tokenizer, texts: list[str]) -> tuple[Counter, set[str]]:
    """Token counts, and the tokens emitted by rules that emit the matched text (emoji)."""
    counts: Counter = Counter()
    dynamic: set[str] = set()
    dynamic_rules = set(tokenizer.dynamic_rule_names)
    for text in texts:
        pairs = tokenizer.tokenize_with_rules(text)
        counts.update(tok for tok, _ in pairs)
        if dynamic_rules:
            dynamic.update(tok for tok, rule in pairs if rule in dynamic_rules)
    return counts, dynamic


def _by_count(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _special_rows(tokenizer, counts, dynamic, explicit, promoted, vectors, pretrained_specials):
    """The special rows, and those of them that are pretrained words (GloVe Twitter's
    ``<user>``): promoted (start from their vector) or, with "freeze", left out (frozen)."""
    promoted = set(promoted)
    rows = [
        tok
        for tok in tokenizer.special_tokens
        if (tok in counts or tok in explicit) and tok not in promoted
    ]
    pretrained = [tok for tok in rows if tok in vectors]
    if pretrained_specials == "freeze":
        rows = [tok for tok in rows if tok not in vectors]
        pretrained = []
    static = set(rows) | set(tokenizer.special_tokens)
    # Emoji and other matched-text tokens with a pretrained vector are ordinary frozen words.
    extra = {t: counts[t] for t in dynamic if t not in static | promoted and t not in vectors}
    return rows + [tok for tok, _ in _by_count(extra)], pretrained


def _oov_cap(max_oov_rows, num_frozen: int) -> int | None:
    if max_oov_rows == "auto":
        return int(OOV_SHARE * num_frozen)
    return max_oov_rows


def _build_notices(vocab: Vocabulary, pretrained: list[str]) -> tuple[list[str], list[str]]:
    """What the user should know about the trainable set, and the too-many-rows warning, as
    :class:`~pe_core.notices.Notice` texts (an app words their settings with its labels)."""
    stats, notices = vocab.stats, []
    if pretrained:
        names = f"{', '.join(pretrained[:8])}{', ...' if len(pretrained) > 8 else ''}"
        notices.append(
            Notice(
                "{n} special token(s) are also pretrained words ({names}): they were promoted "
                "to trainable rows that start from their pretrained vectors; to keep those rows "
                "frozen instead, choose {@pretrained_specials='freeze'}",
                n=len(pretrained),
                names=names,
            )
        )
    if stats["oov_left_types"]:
        notices.append(_oov_notice(stats))
    warned = []
    share = stats["trainable_share"]
    if share >= WARN_SHARE:
        warned.append(
            Notice(
                "the trainable embedding rows are {share:.0%} of the frozen ones (k={k:,} x "
                "d={d} = {trainable:,} trainable vs {frozen:,} frozen parameters): too few texts "
                "to learn that many new rows well; raise {@min_oov_count} or lower "
                "{@max_oov_rows}",
                share=share,
                k=vocab.num_trainable,
                d=vocab.dim,
                trainable=stats["trainable_params"],
                frozen=stats["frozen_params"],
            )
        )
    return notices, warned


def _oov_notice(stats: Mapping) -> Notice:
    """How many OOV words were left to <unk>, why, and which settings give them rows."""
    if stats["min_oov_count"] is None:
        why, fix = "OOV words get no rows ({@min_oov_count=None})", "set {@min_oov_count} to 1"
    else:
        why = "a row needs at least {min_count:,} occurrences ({@min_oov_count})"
        fix = "lower {@min_oov_count}" if stats["min_oov_count"] > 1 else ""
    if stats["oov_over_cap"]:
        why += (
            ", and {over:,} that occur often enough did not fit under the cap of {cap:,} rows "
            "({@max_oov_rows}; default: 10 % of the frozen rows)"
        )
        fix += (" or " if fix else "") + "raise {@max_oov_rows} (or choose {@max_oov_rows=None})"
    tail = f". To give them rows, {fix}" if fix else ""
    return Notice(
        "{left:,} OOV words ({occurrences:,} occurrences) share <unk>: " + why + tail,
        left=stats["oov_left_types"],
        occurrences=stats["oov_left_tokens"],
        min_count=stats["min_oov_count"],
        over=stats["oov_over_cap"],
        cap=stats["max_oov_rows"],
    )


def _frozen_rows(vectors: Vectors, counts, exclude: set[str], max_frozen: int | None) -> list[int]:
    """Row indices (sorted) of the pretrained words that get frozen ids."""
    rows = {vectors.index(tok) for tok in counts if tok not in exclude and tok in vectors}
    if max_frozen is not None:
        seen = {vectors.words[r] for r in rows}
        for row, word in enumerate(vectors.words):
            if len(rows) >= max_frozen:
                break
            if word not in exclude and word not in seen:
                seen.add(word)
                rows.add(row)
    return sorted(rows)
