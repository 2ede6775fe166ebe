"""Notices that name settings, worded for code or for an app's labels from one template.

A library notice tells the caller which setting to change ("lower min_oov_count"). A caller in
code knows the parameter names; a user of the app knows the labels of its controls ("OOV words:
minimum count"). A :class:`Notice` is the text in parameter names (it *is* that ``str``, so
code that logs or compares notices keeps working) and keeps its template, so an app words the
same sentence with its own labels via :meth:`Notice.worded`. One template, no second wording.

Template fields:
    ``{name}`` / ``{name:,}``: a value from the notice's fields (formatted as ``str.format``).
    ``{@setting}``: a setting, by its parameter name (``min_oov_count``).
    ``{@setting=value}``: a setting at a value, the value a Python literal
        (``{@max_oov_rows=None}``, ``{@pretrained_specials='freeze'}``).

Example:
    >>> n = Notice("lower {@min_oov_count} (now {count})", count=3)
    >>> str(n)
    'lower min_oov_count (now 3)'
    >>> n.worded(Wording({"min_oov_count": "OOV words: minimum count"}))
    'lower “OOV words: minimum count” (now 3)'
"""

from __future__ import annotations

import ast
import string
from collections.abc import Mapping


class Wording:
    """How a notice names settings: by label (an app) or, by default, by parameter name.

    Args:
        labels: parameter name -> the label of its control. Settings not listed keep their
            parameter name.
        choices: parameter name -> {value: how to write the setting at that value} (e.g.
            ``{None: "“No cap”"}``, the label of that choice); a value not listed is written
            ``“label” = value``.
    """

    def __init__(
        self,
        labels: Mapping[str, str] | None = None,
        choices: Mapping[str, Mapping[object, str]] | None = None,
    ) -> None:
        self.labels = dict(labels or {})
        self.choices = {name: dict(values) for name, values in (choices or {}).items()}

    def setting(self, name: str) -> str:
        """The setting: its label in quotes, or its parameter name."""
        return f"“{self.labels[name]}”" if name in self.labels else name

    def choice(self, name: str, value: object) -> str:
        """The setting at ``value``: its choice's text, ``“label” = value`` or ``name=value``."""
        if value in self.choices.get(name, {}):
            return self.choices[name][value]
        if name in self.labels:
            return f"{self.setting(name)} = {value}"
        return f"{name}={value!r}"


CODE = Wording()
"""Parameter names: the wording of the library's own texts (``str(notice)``)."""


class _Formatter(string.Formatter):
    def __init__(self, wording: Wording) -> None:
        self.wording = wording

    def get_field(self, field_name, args, kwargs):
        if not field_name.startswith("@"):
            return super().get_field(field_name, args, kwargs)
        name, is_choice, literal = field_name[1:].partition("=")
        if not is_choice:
            return self.wording.setting(name), field_name
        return self.wording.choice(name, ast.literal_eval(literal)), field_name


def word(template: str, wording: Wording = CODE, **fields) -> str:
    """``template`` with its fields filled in and its settings named by ``wording``."""
    return _Formatter(wording).format(template, **fields)


class Notice(str):
    """A notice's text in parameter names, that an app can word with its labels.

    ``Notice(template, **fields)``; see the module docstring for the template's fields.
    """

    template: str
    fields: dict

    def __new__(cls, template: str, /, **fields) -> Notice:
        notice = super().__new__(cls, word(template, CODE, **fields))
        notice.template, notice.fields = template, dict(fields)
        return notice

    def worded(self, wording: Wording) -> str:
        """The same notice with its settings named by ``wording`` (a plain ``str``)."""
        return word(self.template, wording, **self.fields)

    def __reduce__(self):  # pickles (a run kept for a reload, a worker process) as a Notice
        return (_rebuild, (self.template, self.fields))


def _rebuild(template: str, fields: dict) -> Notice:
    return Notice(template, **fields)


def worded(text: str, wording: Wording) -> str:
    """``text`` worded by ``wording`` if it is a :class:`Notice`, else ``text`` unchanged."""
    return text.worded(wording) if isinstance(text, Notice) else str(text)
