"""Quality hints on feedback: short evidence, vague phrases, and remarks on things that must not
decide a hire. Hints advise the interviewer before they submit; they never block.

The word lists live here and nowhere else: to extend them, add a phrase to a tuple below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

# Phrases that state an impression, not what the candidate said or did.
VAGUE_PHRASES: tuple[str, ...] = (
    "culture fit",
    "cultural fit",
    "not a fit",
    "good fit",
    "seems smart",
    "seemed smart",
    "very smart",
    "good vibes",
    "bad vibes",
    "good vibe",
    "gut feeling",
    "gut feel",
    "my gut",
    "i just know",
    "felt right",
    "felt off",
    "good energy",
    "nice guy",
    "nice person",
    "great guy",
    "likeable",
    "likable",
    "rock star",
    "rockstar",
    "ninja",
    "smart cookie",
    "solid candidate",
    "strong candidate",
    "would get along",
    "i liked",
    "i didn't like",
    "i did not like",
)

# Topics that must not decide a hire, each with phrases that suggest the feedback touches it.
NOT_HIRING_CRITERIA: dict[str, tuple[str, ...]] = {
    "age": ("age", "too old", "too young", "years old", "elderly", "retirement"),
    "family": (
        "family",
        "kids",
        "children",
        "childcare",
        "married",
        "marriage",
        "wife",
        "husband",
        "single mother",
        "single father",
    ),
    "pregnancy": ("pregnant", "pregnancy", "maternity", "paternity", "expecting a baby"),
    "religion": (
        "religion",
        "religious",
        "church",
        "mosque",
        "synagogue",
        "temple",
        "prays",
        "christian",
        "muslim",
        "jewish",
        "hindu",
        "buddhist",
    ),
    "nationality": (
        "nationality",
        "citizenship",
        "foreigner",
        "immigrant",
        "native speaker",
        "where they are from",
        "where he is from",
        "where she is from",
    ),
    "accent": ("accent",),
    "gender": ("gender", "female", "male"),
    "ethnicity": ("ethnicity", "ethnic", "skin colour", "skin color"),
    "health or disability": ("disability", "disabled", "illness", "wheelchair"),
    "sexual orientation": ("sexual orientation", "gay", "lesbian"),
    "appearance": ("attractive", "overweight", "good looking", "good-looking"),
}

# static/feedback.js counts words with the same rule, as you type: keep the two in step
# (tests/e2e/test_feedback_browser.py checks them against each other on awkward text).
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# The most characters one text box holds. A longer text is refused with its length, never cut.
TEXT_LIMIT = 20_000


def word_count(text: str | None) -> int:
    """Words as a reader counts them: "didn't" is one, punctuation is none."""
    return len(_WORD.findall(text or ""))


def characters_in(text: str | None) -> int:
    """Characters as the person typed them: a line break is one, though a browser sends "\r\n"."""
    return len((text or "").replace("\r\n", "\n"))


def count_message(text: str | None, *, min_words: int | None, plain: bool = False) -> str:
    """The line under a text box saying how long it is against what submitting needs (evidence:
    `min_words`) and the character limit. The page's script writes the same words as you type.
    `plain`: the count alone, when an error beside the box already says what is wrong."""
    words, characters = word_count(text), characters_in(text)
    if plain or min_words is None:
        message = f"{words} {'word' if words == 1 else 'words'}."
        if plain:
            return message
    elif words < min_words:
        message = f"This evidence has {words} of the {min_words} words needed to submit."
    else:
        message = f"{words} words: enough to submit."
    if characters > TEXT_LIMIT:
        message += f" Too long: {characters:,} of {TEXT_LIMIT:,} characters. Shorten it to save."
    elif characters > TEXT_LIMIT * 0.9:
        message += f" {characters:,} of {TEXT_LIMIT:,} characters."
    return message


@cache
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    # Whole words only, so "age" does not flag "manage" and "male" does not flag "female".
    alternatives = "|".join(re.escape(phrase) for phrase in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def vague_phrases_in(text: str) -> list[str]:
    found = {match.group(0).lower() for match in _pattern(VAGUE_PHRASES).finditer(text or "")}
    return sorted(found)


def not_hiring_criteria_in(text: str) -> list[str]:
    """The topics (keys of NOT_HIRING_CRITERIA) that `text` appears to touch."""
    return [
        topic
        for topic, phrases in NOT_HIRING_CRITERIA.items()
        if _pattern(phrases).search(text or "")
    ]


@dataclass(frozen=True)
class Hint:
    """One piece of advice, tied to the form field it is about."""

    field: str
    kind: str  # "short", "vague" or "criteria"
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "kind": self.kind, "message": self.message}


def _text_hints(field: str, text: str) -> Iterable[Hint]:
    vague = vague_phrases_in(text)
    if vague:
        quoted = ", ".join(f"“{phrase}”" for phrase in vague)
        yield Hint(
            field,
            "vague",
            f"{quoted} is an impression, not evidence: write what the candidate said and did.",
        )
    topics = not_hiring_criteria_in(text)
    if topics:
        yield Hint(
            field,
            "criteria",
            f"This seems to mention {', '.join(topics)}, which must not decide a hire. "
            "Remove it unless it is strictly about the job.",
        )


def feedback_hints(
    *,
    evidence: Mapping[int, tuple[str, str]],
    summary: str,
    min_words: int,
) -> list[Hint]:
    """Hints for a whole form. `evidence` maps a principle id to (principle name, evidence text);
    fields are named as on the form (`evidence_<principle id>`, `summary`)."""
    hints: list[Hint] = []
    for principle_id, (name, text) in evidence.items():
        field = f"evidence_{principle_id}"
        words = word_count(text)
        if words < min_words:
            hints.append(
                Hint(
                    field,
                    "short",
                    f"Evidence for {name} has {words} of the {min_words} words needed to submit: "
                    "describe the situation, what the candidate did, and the result.",
                )
            )
        hints.extend(_text_hints(field, text))
    hints.extend(_text_hints("summary", summary))
    return hints
