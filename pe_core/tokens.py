"""Tweet-aware tokenizer with editable special-token rules.

A :class:`Tokenizer` turns a text into tokens that match GloVe 6B's token forms (GloVe 6B was
tokenized with Stanford's PTB-style tokenizer), while replacing tweet phenomena with special
tokens that a model can learn rows for:

=============  =============================================  ======================
rule           matches                                        emits
=============  =============================================  ======================
url            ``http(s)://...``, ``www....``, bare domains   ``<url>``
               with a common TLD (``t.co/x``, ``bit.ly/y``)
user           ``@user_name``                                 ``<user>``
hashtag        ``#MondayMotivation``                          ``<hashtag>`` (and the
                                                              word with
                                                              ``keep_hashtag_word``)
number         ``42``, ``3.5``, ``1,000``, ``-2``, ``10k``,   ``<number>``
               ``12:30``
heart          ``<3``, ``<333``                               ``<heart>``
smile          ``:)`` ``:-)`` ``:D`` ``=)`` ``;)`` ``:]``     ``<smile>``
               ``(:`` ``^_^``
lolface        ``:P`` ``:-p`` ``;P`` ``XD``                   ``<lolface>``
sad            ``:(`` ``:-(`` ``:'(`` ``:[`` ``</3``          ``<sadface>``
neutralface    ``:/`` ``:-/`` ``:|`` ``:\\``                  ``<neutralface>``
emoji          one emoji (with skin tone, variation selector  the emoji itself
               and zero-width-joiner sequences; flag pairs)
=============  =============================================  ======================

The emoticon groups follow the GloVe-Twitter preprocessing script (``<smile>``, ``<lolface>``,
``<sadface>``, ``<neutralface>``, ``<heart>``, the tokens GloVe Twitter has vectors for); like
that script, ``;)`` counts as a smile.

Everything that no rule matches is split the way GloVe 6B's vocabulary expects: lowercase
words, ``don't`` -> ``do`` ``n't`` (``can't`` -> ``ca`` ``n't``, ``won't`` -> ``wo`` ``n't``),
``it's`` -> ``it`` ``'s`` (also ``'re 'll 've 'm 'd``), hyphenated words kept whole
(``well-known``), dotted abbreviations kept whole (``U.S.`` -> ``u.s.``), ``..``/``...``/``…``
-> ``...``, ``--``/``—`` -> ``--``, the PTB quote tokens (two backticks, two apostrophes)
kept whole, every other punctuation character its own token.
Elongations are normalised: runs of three or more identical letters collapse to
``elongation_keep`` letters (default 1: ``soooo`` -> ``so``; note ``goooood`` -> ``god`` then,
``elongation_keep=2`` gives ``good`` but ``soo``). HTML entities (``&amp;``, ``&lt;3``) are
unescaped first, curly quotes become straight ones. A double quote becomes GloVe 6B's PTB
quote token: two backticks when it opens (at the start, after a space or an opening bracket),
two apostrophes when it closes (``ptb_quotes=False`` keeps ``"``, as GloVe Twitter has it).

User literal specials (``[PRODUCT]``, ``<company>``) are matched as-is (case-sensitive), before
every rule, longest first; a special that starts or ends with a letter/digit only matches at a
word boundary (``PRODUCT`` does not match inside ``PRODUCTION``).

Rules are data: :data:`DEFAULT_RULES` is an ordered list of :class:`Rule`; earlier rules win
when two could match at the same position. A rule whose token is :data:`MATCH` (``"{match}"``)
emits the matched text itself (the emoji rule); such rules cannot list their tokens in
:attr:`Tokenizer.special_tokens`. Patterns are case-sensitive regular expressions; use
``(?i:...)`` for a case-insensitive part.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MATCH = "{match}"
RULE_MODES = ("replace", "tag")
"""Rule token meaning "emit the matched text itself" (used by the emoji rule)."""

SPECIAL_RULE_NAME = "special"
"""Rule name reported by :meth:`Tokenizer.tokenize_with_rules` for user literal specials."""

# Numbered backreferences would point at the wrong group once a pattern is embedded in the
# master regex (its groups shift); named ones keep working.
_NUMBERED_BACKREF = re.compile(r"(?<!\\)(?:\\\\)*\\[1-9]")
_WHITESPACE = re.compile(r"\s")
_RUNS = re.compile(r"([^\W\d_])\1{2,}")


@dataclass(frozen=True)
class Rule:
    """One special-token rule: text matching ``pattern`` becomes ``token``.

    Args:
        name: unique name, reported by :meth:`Tokenizer.tokenize_with_rules`.
        pattern: a regular expression (case-sensitive; ``(?i:...)`` for case-insensitive parts).
            It must not match the empty string and must not use numbered backreferences
            (``\\1``); use ``(?P<name>...)`` with ``(?P=name)`` instead.
        token: the token emitted for each match, or :data:`MATCH` to emit the matched text.
        enabled: disabled rules are kept (for the editable table) but never match.
        mode: "replace" (default): the match becomes ``token``; "tag": the match is kept,
            normalised (a word lowercased with its repeated letters collapsed: ``sooo`` ->
            ``so``; punctuation as its last character: ``!!!`` -> ``!``), and ``token``
            follows it, as GloVe Twitter's ``<elong>``, ``<repeat>`` and ``<allcaps>`` do.

    Raises:
        ValueError: naming the rule, when any field is invalid (e.g. the regex does not compile).
    """

    name: str
    pattern: str
    token: str
    enabled: bool = True
    mode: str = "replace"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"rule name must be a non-empty string, got {self.name!r}")
        if self.name == SPECIAL_RULE_NAME:
            raise ValueError(
                f"rule name {self.name!r} is reserved for literal specials; choose another name"
            )
        label = f"rule {self.name!r}"
        if not isinstance(self.token, str) or not self.token:
            raise ValueError(f"{label}: token must be a non-empty string, got {self.token!r}")
        if _WHITESPACE.search(self.token):
            raise ValueError(f"{label}: token {self.token!r} must not contain whitespace")
        if not isinstance(self.pattern, str) or not self.pattern:
            raise ValueError(f"{label}: pattern must be a non-empty string, got {self.pattern!r}")
        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(
                f"{label}: pattern {self.pattern!r} is not a valid regular expression ({exc})"
            ) from None
        if compiled.fullmatch(""):
            raise ValueError(
                f"{label}: pattern {self.pattern!r} matches the empty string; "
                "make it match at least one character"
            )
        if _NUMBERED_BACKREF.search(self.pattern):
            raise ValueError(
                f"{label}: pattern {self.pattern!r} uses a numbered backreference; "
                "use a named group (?P<name>...) and (?P=name) instead"
            )
        if self.mode not in RULE_MODES:
            raise ValueError(f"{label}: mode must be 'replace' or 'tag', got {self.mode!r}")
        if self.mode == "tag" and self.is_dynamic:
            raise ValueError(f"{label}: a 'tag' rule needs a token, not {MATCH!r}")
        if self.enabled not in (True, False):
            raise ValueError(f"{label}: enabled must be True or False, got {self.enabled!r}")
        object.__setattr__(self, "enabled", bool(self.enabled))

    @property
    def is_dynamic(self) -> bool:
        """True when the rule emits the matched text (token is :data:`MATCH`)."""
        return self.token == MATCH


_EMOJI_BASE = (
    "[\U0001f300-\U0001faff\u2600-\u27bf\u2300-\u23ff\u2b00-\u2bff"
    "\u2190-\u21ff\u3030\u303d\u3297\u3299]"
)
_EMOJI_TAIL = "[\U0001f3fb-\U0001f3ff]?\ufe0f?"
_EMOJI = (
    "[\U0001f1e6-\U0001f1ff]{2}"  # a flag is a pair of regional indicators
    f"|{_EMOJI_BASE}{_EMOJI_TAIL}(?:\u200d{_EMOJI_BASE}{_EMOJI_TAIL})*"
    "|[#*0-9]\ufe0f?\u20e3"  # keycaps
)
_URL_END = r"[^\s<>\"'.,;:!?)\]}]"
_URL = (
    rf"(?:https?://|www\.)[^\s<>\"']*{_URL_END}"
    r"|(?<![\w@.])(?:[A-Za-z0-9-]+\.)+(?i:com|org|net|edu|gov|io|ly|co|uk|de|tv)"
    rf"(?:/(?:[^\s<>\"']*{_URL_END})?)?(?![\w-])"
)
_EYES = r"[:=;]"
_NOSE = r"['\-^o]?"

DEFAULT_RULES: list[Rule] = [
    Rule("url", _URL, "<url>"),
    Rule("user", r"(?<![\w@])@\w+", "<user>"),
    Rule("hashtag", r"(?<![\w&#])#\w*[^\W\d]\w*", "<hashtag>"),
    Rule(
        "number",
        r"(?<![\w.])[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?::\d\d)?(?:\.\d+)?|\.\d+)"
        r"(?:[kKmM](?!\w))?(?!\w)",
        "<number>",
    ),
    Rule("heart", r"<3+(?!\d)", "<heart>"),
    Rule(
        "smile",
        rf"{_EYES}{_NOSE}(?:\)+|\]|[dD]+(?!\w))|(?<!\S)\(+['\-]?[:=](?!\S)|(?<!\S)\^_*\^(?!\S)",
        "<smile>",
    ),
    Rule("lolface", rf"{_EYES}{_NOSE}[pP](?!\w)|(?<!\w)[xX]D+(?!\w)", "<lolface>"),
    Rule("sad", rf"{_EYES}['\-,]?(?:\(+|\[|<(?!3))|</3", "<sadface>"),
    Rule("neutralface", rf"{_EYES}['\-]?(?:[/\\|](?![/\\])|[lL](?!\w))", "<neutralface>"),
    Rule("emoji", _EMOJI, MATCH),
]
"""The default rules, in priority order. Copy and edit (``dataclasses.replace``) to customise."""

_CLITIC = r"['](?:[sS]|[rR][eE]|[lL][lL]|[vV][eE]|[mM]|[dD])\b"
# Built-in splitting, tried after the literal specials and the rules. Order matters.
_BUILTIN: list[tuple[str, str]] = [
    ("abbr", r"(?:[^\W\d_]\.){2,}"),  # u.s., e.g.
    ("stem", r"\w+(?=[nN]'[tT]\b)"),  # do|n't, ca|n't
    ("nt", r"[nN]'[tT]\b"),
    ("clitic", _CLITIC),  # it|'s, we|'re
    ("word", r"\w+(?:-\w+|'(?!(?:[sS]|[rR][eE]|[lL][lL]|[vV][eE]|[mM]|[dD])\b)\w+)*"),
    ("ellipsis", r"\.{2,}|\u2026"),
    ("dash", r"-{2,}|\u2014"),
    ("quotes", r"``|''"),  # PTB quote tokens, as GloVe 6B has them
    ("other", r"\S"),
]
_FIXED_OUTPUT = {"ellipsis": "...", "dash": "--"}
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_LOWER_ONLY = {"nt", "clitic", "abbr"}
_CACHE_SIZE = 200_000
_OPTION_NAMES = (
    "lowercase",
    "normalize_elongations",
    "keep_hashtag_word",
    "elongation_keep",
    "unescape_html",
    "ptb_quotes",
)
_OPENERS = "([{<"


def _literal_pattern(special: str) -> str:
    """Escaped literal; word-boundary guarded at ends that are word characters."""
    pattern = re.escape(special)
    if re.match(r"\w", special):
        pattern = r"(?<!\w)" + pattern
    if re.search(r"\w$", special):
        pattern += r"(?!\w)"
    return pattern


def _check_specials(specials: Iterable[str]) -> tuple[str, ...]:
    if isinstance(specials, str):
        raise ValueError(
            f"specials must be a list of strings, got the string {specials!r}; "
            f"write specials=[{specials!r}]"
        )
    out: list[str] = []
    for s in specials:
        if not isinstance(s, str) or not s:
            raise ValueError(f"special tokens must be non-empty strings, got {s!r}")
        if _WHITESPACE.search(s):
            raise ValueError(f"special token {s!r} must not contain whitespace")
        if s in out:
            raise ValueError(f"special token {s!r} is listed twice; list each special once")
        out.append(s)
    return tuple(out)


class Tokenizer:
    """Tokenizer with ordered special-token rules and literal specials.

    Args:
        rules: list of :class:`Rule` (default: :data:`DEFAULT_RULES`). Order is priority.
        specials: literal special tokens matched as-is before any rule (e.g. ``"[PRODUCT]"``).
        lowercase: lowercase ordinary words (specials and rule tokens are never changed).
        normalize_elongations: collapse runs of 3+ identical letters in words.
        keep_hashtag_word: after ``<hashtag>`` also emit the hashtag's word (rule ``hashtag``).
        elongation_keep: letters kept from an elongated run, 1 (``soooo`` -> ``so``) or 2.
        unescape_html: unescape HTML entities (``&amp;`` -> ``&``) before tokenizing.
        ptb_quotes: write a double quote as GloVe 6B does (PTB): two backticks when it opens,
            two apostrophes when it closes; False keeps ``"`` (GloVe Twitter's vectors have it).

    Example:
        >>> Tokenizer().tokenize("Soooo happy :) don't miss https://t.co/x #win")
        ['so', 'happy', '<smile>', 'do', "n't", 'miss', '<url>', '<hashtag>']

    A tokenizer is immutable after construction, so threads can share it; it pickles and copies.
    """

    def __init__(
        self,
        rules: Sequence[Rule] | None = None,
        specials: Iterable[str] = (),
        lowercase: bool = True,
        normalize_elongations: bool = True,
        keep_hashtag_word: bool = False,
        *,
        elongation_keep: int = 1,
        unescape_html: bool = True,
        ptb_quotes: bool = True,
    ) -> None:
        rules = list(DEFAULT_RULES if rules is None else rules)
        names: set[str] = set()
        for i, rule in enumerate(rules):
            if not isinstance(rule, Rule):
                raise ValueError(f"rules[{i}] must be a Rule, got {type(rule).__name__}")
            if rule.name in names:
                raise ValueError(f"rules[{i}]: rule name {rule.name!r} is used twice")
            names.add(rule.name)
        if elongation_keep not in (1, 2) or isinstance(elongation_keep, bool):
            raise ValueError(f"elongation_keep must be 1 or 2, got {elongation_keep!r}")
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.specials: tuple[str, ...] = _check_specials(specials)
        self.lowercase = bool(lowercase)
        self.normalize_elongations = bool(normalize_elongations)
        self.keep_hashtag_word = bool(keep_hashtag_word)
        self.elongation_keep = int(elongation_keep)
        self.unescape_html = bool(unescape_html)
        self.ptb_quotes = bool(ptb_quotes)
        self._compile()

    def _compile(self) -> None:
        parts: list[str] = []
        # group name -> (kind, payload); kind in special | rule | builtin
        self._groups: dict[str, tuple[str, object]] = {}
        if self.specials:
            ordered = sorted(self.specials, key=lambda s: (-len(s), s))
            parts.append("(?P<_pe_special>" + "|".join(map(_literal_pattern, ordered)) + ")")
            self._groups["_pe_special"] = ("special", None)
        for i, rule in enumerate(self.rules):
            if rule.enabled:
                parts.append(f"(?P<_pe_r{i}>{rule.pattern})")
                self._groups[f"_pe_r{i}"] = ("rule", rule)
        for kind, pattern in _BUILTIN:
            parts.append(f"(?P<_pe_{kind}>{pattern})")
            self._groups[f"_pe_{kind}"] = ("builtin", kind)
        try:
            self._master = re.compile("|".join(parts))
        except re.error as exc:
            raise ValueError(
                f"the enabled rules cannot be combined into one regular expression ({exc}); "
                "check for group names used in two rules"
            ) from None
        keep = r"\1" * self.elongation_keep
        self._elong = (re.compile(r"([^\W\d_])\1{2,}"), keep)
        self._cache: dict[str, str] = {}

    # -- tokenizing ---------------------------------------------------------------------------

    def _word(self, text: str) -> str:
        # Words repeat a lot; the cache halves tokenizing time. A racing thread at worst
        # computes the same value twice.
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        word = text.lower() if self.lowercase else text
        if self.normalize_elongations:
            regex, keep = self._elong
            word = regex.sub(keep, word)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache = {}
        self._cache[text] = word
        return word

    def _tag_base(self, text: str) -> str:
        """What a "tag" rule keeps of its match: the word, or the last punctuation mark."""
        if not any(c.isalnum() for c in text):
            return text[-1]
        word = text.lower() if self.lowercase else text
        return _RUNS.sub(r"\1", word)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_cache"] = {}
        return state

    def tokenize_with_rules(self, text: str) -> list[tuple[str, str | None]]:
        """Tokens with the name of the rule that produced each one.

        Returns ``(token, rule_name)`` pairs; ``rule_name`` is the rule's name for tokens a rule
        emitted, ``"special"`` for literal specials, and ``None`` for ordinary words and
        punctuation.
        """
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}: {text!r}")
        if self.unescape_html and "&" in text:
            text = html.unescape(text)
        text = text.translate(_QUOTES)
        out: list[tuple[str, str | None]] = []
        groups = self._groups
        for m in self._master.finditer(text):
            kind, payload = groups[m.lastgroup]
            s = m.group()
            if kind == "builtin":
                if payload in ("word", "stem"):
                    out.append((self._word(s), None))
                elif payload in _FIXED_OUTPUT:
                    out.append((_FIXED_OUTPUT[payload], None))
                elif payload in _LOWER_ONLY and self.lowercase:
                    out.append((s.lower(), None))
                elif s == '"' and self.ptb_quotes:
                    opens = not m.start() or text[m.start() - 1].isspace()
                    opens = opens or text[m.start() - 1] in _OPENERS
                    out.append(("``" if opens else "''", None))
                else:
                    out.append((s, None))
            elif kind == "rule":
                rule: Rule = payload  # type: ignore[assignment]
                if rule.mode == "tag":
                    out.append((self._tag_base(s), None))
                out.append((s if rule.is_dynamic else rule.token, rule.name))
                if rule.name == "hashtag" and self.keep_hashtag_word:
                    out.append((self._word(s.lstrip("#")), None))
            else:
                out.append((s, SPECIAL_RULE_NAME))
        return out

    def tokenize(self, text: str) -> list[str]:
        """Split ``text`` into tokens (see the module docstring for the conventions)."""
        return [tok for tok, _ in self.tokenize_with_rules(text)]

    __call__ = tokenize

    # -- introspection and the editable table -------------------------------------------------

    @property
    def special_tokens(self) -> list[str]:
        """Every token the enabled rules can emit, then the literal specials; no duplicates.

        Rules whose token is :data:`MATCH` (emoji) emit the matched text and contribute nothing.
        """
        out: list[str] = []
        for rule in self.rules:
            if rule.enabled and not rule.is_dynamic and rule.token not in out:
                out.append(rule.token)
        out.extend(s for s in self.specials if s not in out)
        return out

    @property
    def dynamic_rule_names(self) -> list[str]:
        """Names of the enabled rules that emit the matched text itself (e.g. ``emoji``)."""
        return [r.name for r in self.rules if r.enabled and r.is_dynamic]

    def rules_table(self) -> list[dict]:
        """The rules as rows ``{"name", "pattern", "token", "enabled", "mode"}`` (disabled too)."""
        return [
            {
                "name": r.name,
                "pattern": r.pattern,
                "token": r.token,
                "enabled": r.enabled,
                "mode": r.mode,
            }
            for r in self.rules
        ]

    @classmethod
    def from_table(cls, rows, specials: Iterable[str] = (), **options) -> Tokenizer:
        """Build a tokenizer from rows as returned by :meth:`rules_table` (or a DataFrame).

        ``enabled`` may be missing or empty (meaning True), ``mode`` too ("replace"). Every problem raises ``ValueError``
        naming the row (1-based) and the rule.
        """
        if hasattr(rows, "to_dict"):  # a pandas DataFrame from the app's table editor
            rows = rows.to_dict("records")
        rules: list[Rule] = []
        seen: dict[str, int] = {}
        for number, row in enumerate(rows, start=1):
            rule = _rule_from_row(number, row)
            if rule.name in seen:
                raise ValueError(
                    f"rules table row {number}: name {rule.name!r} is already used by row "
                    f"{seen[rule.name]}; rule names must be unique"
                )
            seen[rule.name] = number
            rules.append(rule)
        return cls(rules, specials=specials, **options)

    def with_specials(self, extra: Iterable[str]) -> Tokenizer:
        """A copy that also matches the literal specials in ``extra`` (ones already known skip)."""
        known = set(self.specials)
        added = [s for s in _check_specials(extra) if s not in known]
        return Tokenizer(self.rules, (*self.specials, *added), **self.options)

    @property
    def options(self) -> dict:
        """The keyword options (everything except rules and specials)."""
        return {name: getattr(self, name) for name in _OPTION_NAMES}

    def to_dict(self) -> dict:
        """JSON-able description; :meth:`from_dict` rebuilds an equal tokenizer."""
        return {"rules": self.rules_table(), "specials": list(self.specials), **self.options}

    @classmethod
    def from_dict(cls, data: Mapping) -> Tokenizer:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data.setdefault("ptb_quotes", False)  # saved before the option: kept '"' as it was
        rows = data.pop("rules")
        specials = data.pop("specials", ())
        return cls.from_table(rows, specials=specials, **data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tokenizer) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.rules, self.specials, tuple(self.options.items())))

    def __repr__(self) -> str:
        enabled = [r.name for r in self.rules if r.enabled]
        return f"Tokenizer(rules={enabled}, specials={list(self.specials)}, {self.options})"


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value == ""


def _rule_from_row(number: int, row) -> Rule:
    if not isinstance(row, Mapping):
        raise ValueError(f"rules table row {number} must be a mapping, got {type(row).__name__}")
    label = f"rules table row {number} ({row.get('name')!r})"
    missing = [key for key in ("name", "pattern", "token") if _is_blank(row.get(key))]
    if missing:
        raise ValueError(f"{label}: empty {', '.join(missing)}; fill it in or delete the row")
    enabled = row.get("enabled")
    enabled = True if _is_blank(enabled) else enabled
    mode = "replace" if _is_blank(row.get("mode")) else str(row["mode"])
    try:
        return Rule(str(row["name"]), str(row["pattern"]), str(row["token"]), enabled, mode)
    except ValueError as exc:
        raise ValueError(f"{label}: {exc}") from None
