"""Reading answers the way people type them in a chat: "about 40", "yep", "Go, Java and Python",
"5.15.0-1051-aws". A reply that cannot be read gets a message saying what is accepted, with an
example, never an exception the caller has to guess about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from engine.rules import version_tuple

AnswerType = Literal["integer", "yes-no", "one-of", "many-of", "kernel-version"]
Value = int | bool | str | list[str] | None


def shown(value: Value, missing: str = "—") -> str:
    """An answer as people read it back: yes/no, a list joined, ``missing`` for none given."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return missing if value is None else str(value)


#: Longer than any honest reply to these questions; checked before any pattern runs.
MAX_ANSWER_CHARS = 300
#: More languages or features than any organisation lists; the rest would only fill the store.
MAX_CHOICES = 30
#: How much of a reply an error message quotes back.
EXCERPT_CHARS = 40


def excerpt(text: str) -> str:
    """A reply quoted back in an error: enough to recognise, never the whole of a long input."""
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


class UnreadableAnswer(ValueError):
    """The reply could not be read; the message tells the person what to type instead."""


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str
    label: str
    aliases: tuple[str, ...] = ()


class Question(BaseModel):
    """One question of the decision, as any front end (Slack, HTTP, terminal) presents it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    step: int
    prompt: str
    help: str
    type: AnswerType
    choices: tuple[Choice, ...] = ()
    example: str
    optional: bool = False
    open_choices: bool = False  # many-of: names not in the list count too (any language)
    yes_also: tuple[str, ...] = ()  # yes-no: further words that answer yes (a named regulation)
    no_also: tuple[str, ...] = ()  # yes-no: further words that answer no ("none")
    entry: str  # the knowledge entry the question comes from

    def parse(self, reply: object) -> Value:
        """Turn a reply (free text, or an already-typed value from JSON) into a value.

        Sizes are checked before any pattern runs, so no reply, however long, costs more than
        a bounded amount of work."""
        if isinstance(reply, str):
            if len(reply) > MAX_ANSWER_CHARS:
                raise self._fail(
                    f"The answer is {len(reply):,} characters long; keep it under "
                    f"{MAX_ANSWER_CHARS}."
                )
            return self._parse_text(reply)
        if self.optional and reply is None:
            return None
        return self._check(reply)

    def _fail(self, what: str) -> UnreadableAnswer:
        return UnreadableAnswer(f"{what} For example: {self.example!r}.")

    def _parse_text(self, text: str) -> Value:
        cleaned = " ".join(text.lower().replace("’", "'").split())
        if not cleaned:
            raise self._fail("The answer is empty.")
        if self.optional and _matches_any(cleaned, _SKIP):
            return None
        if self.type == "integer":
            return _integer(cleaned, self)
        if self.type == "yes-no":
            return _yes_no(cleaned, self)
        if self.type == "kernel-version":
            return _kernel(cleaned, self)
        if self.type == "one-of":
            return _one_of(cleaned, self)
        return _many_of(cleaned, self)

    def _check(self, value: object) -> Value:
        """Typed values (JSON) are held to the same rules as text."""
        if self.type == "integer" and isinstance(value, int) and not isinstance(value, bool):
            return _in_range(value, self)
        if self.type == "yes-no" and isinstance(value, bool):
            return value
        if isinstance(value, list) and self.type == "many-of":
            if len(value) > MAX_CHOICES:
                raise self._fail(f"Name at most {MAX_CHOICES} choices, not {len(value):,}.")
            return self.parse(", ".join(map(str, value))) if value else []
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._parse_text(str(value))
        raise self._fail(f"Expected {_DESCRIPTIONS[self.type]}.")


_DESCRIPTIONS = {
    "integer": "a whole number",
    "yes-no": "yes or no",
    "one-of": "one of the choices",
    "many-of": "a list of choices",
    "kernel-version": "a kernel version",
}
_YES = (
    "yes",
    "y",
    "yep",
    "yeah",
    "yup",
    "sure",
    "true",
    "correct",
    "we do",
    "absolutely",
    "definitely",
    "affirmative",
    "ok",
)
_NO = (
    "no",
    "n",
    "nope",
    "nah",
    "false",
    "not really",
    "we don't",
    "we do not",
    "negative",
    "never",
)
_SKIP = (
    "skip",
    "none",
    "no slo",
    "n/a",
    "na",
    "don't know",
    "dont know",
    "unknown",
    "no idea",
    "idk",
)
_NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "a hundred": 100,
    "a dozen": 12,
    "dozen": 12,
}
#: A number as people write it (``1,200``, ``40``, ``1.5k``). The look-behind starts a match
#: only at the first digit of a run, so each run is read once: linear in the reply.
_INTEGER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s{0,3}(k\b)?")
#: A kernel version such as ``uname -r`` prints; anchored at a digit run's start, bounded parts.
#: Parts longer than any real kernel's (``5.9999``) are no version at all.
_KERNEL = re.compile(r"(?<![\d.])\d{1,4}\.\d{1,3}(?:\.\d{1,6})?(?!\d|\.\d)(?:[-+][\w.+-]{0,64})?")
_RANGE = re.compile(r"\d\s{0,3}(?:-|–|to)\s{0,3}\d")
_MAX_INTEGER = 10_000_000
_MAX_DIGITS = 12  # "10,000,000.5" at most; longer runs are out of range before float()
_NOT_WORD = re.compile(r"[^a-z0-9/'#+. ]")


def _matches_any(text: str, phrases: Sequence[str]) -> bool:
    words = " " + _NOT_WORD.sub(" ", text) + " "
    return any(f" {phrase} " in words for phrase in phrases)


def _in_range(value: int, question: Question) -> int:
    if value < 0 or value > _MAX_INTEGER:
        raise question._fail(f"{value} is out of range; give a number from 0 to {_MAX_INTEGER:,}.")
    return value


def _integer(text: str, question: Question) -> int:
    numbers = _INTEGER.findall(text)
    if len(numbers) > 1 or _RANGE.search(text):
        raise question._fail("Give one number rather than a range or a list.")
    if numbers:
        digits, thousands = numbers[0]
        if len(digits) > _MAX_DIGITS:
            raise question._fail(f"{excerpt(digits)} is out of range.")
        number = float(digits.replace(",", "")) * (1000 if thousands else 1)
        if not number.is_integer():
            raise question._fail(f"{excerpt(digits)} is not a whole number.")
        value = int(number)
        if text.lstrip("~≈ ").startswith("-"):
            raise question._fail("A count cannot be negative.")
        return _in_range(value, question)
    for word in sorted(_NUMBER_WORDS, key=len, reverse=True):
        if _matches_any(text, (word,)):
            return _NUMBER_WORDS[word]
    raise question._fail("I need a number.")


def _yes_no(text: str, question: Question) -> bool:
    yes = _matches_any(text, (*_YES, *question.yes_also))
    no = _matches_any(text, (*_NO, *question.no_also))
    if yes != no:
        return yes
    raise question._fail("Please answer yes or no.")


def _kernel(text: str, question: Question) -> str:
    found = _KERNEL.search(text)
    if found is None:
        raise question._fail("I need a kernel version such as `uname -r` prints.")
    version = found.group()
    major = version_tuple(version)[0]
    if not 2 <= major <= 20:
        raise question._fail(f"{excerpt(version)} does not look like a Linux kernel version.")
    return version


def _choice(text: str, question: Question) -> Choice | None:
    names = {name: c for c in question.choices for name in (c.value, c.label.lower(), *c.aliases)}
    for name in sorted(names, key=len, reverse=True):
        if _matches_any(text, (name,)):
            return names[name]
    found = process.extractOne(text, list(names), scorer=fuzz.WRatio, score_cutoff=88)
    return names[found[0]] if found else None


def _one_of(text: str, question: Question) -> str:
    choice = _choice(text, question)
    if choice is None:
        options = ", ".join(c.label for c in question.choices)
        raise question._fail(f"Please pick one of: {options}.")
    return choice.value


_SEPARATORS = re.compile(r",|;|/|&|\band\b|\bplus\b|\+(?!\+)|\n")


def _many_of(text: str, question: Question) -> list[str]:
    if _matches_any(text, ("none", "nothing", "no", "n/a")):
        return []
    parts = [p.strip(" .") for p in _SEPARATORS.split(text)]
    if len(parts) > MAX_CHOICES:
        raise question._fail(f"Name at most {MAX_CHOICES} choices.")
    values: list[str] = []
    for part in filter(None, parts):
        choice = _choice(part, question)
        if choice is not None:
            values.append(choice.value)
        elif question.open_choices and re.fullmatch(r"[a-z][\w#+.\- ]{0,30}", part):
            values.append(part)
        else:
            options = ", ".join(c.label for c in question.choices)
            raise question._fail(f"I don't know {excerpt(part)!r}. Choose from: {options}.")
    return sorted(set(values))
