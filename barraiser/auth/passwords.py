"""The password policy (NIST SP 800-63B): long enough, not too long, not common, not yours."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import RuleViolation
from ..lazy import lazy_module

if TYPE_CHECKING:
    import zxcvbn
else:  # its word lists load when a password is first judged, not at start-up (see barraiser.lazy)
    zxcvbn = lazy_module("zxcvbn")

MIN_LENGTH = 12
MAX_LENGTH = 256
# zxcvbn refuses longer input; a password this long is judged by its first 72 characters.
_JUDGED_LENGTH = 72
# zxcvbn's score 3: about 10^8 guesses or more. Below it the password is on zxcvbn's list of
# 30,000 common passwords, a variant of one, a keyboard walk, a sequence or a repeat.
_LOWEST_SCORE = 3
_NOT_ALNUM = re.compile(r"[\W_]+")


def _letters_and_digits(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


def problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """What is wrong with `password` for the person with this email and name; [] when nothing.

    No composition rules (a digit, a capital, a symbol): length and guessability only.
    """
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters; a few words in a row make a good one."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    found = []
    bare = _letters_and_digits(password)
    local_part = email.partition("@")[0]
    personal = [_letters_and_digits(text) for text in (email, local_part, name)]
    personal += [_letters_and_digits(word) for word in name.split()]
    # Four letters at least: a short name ("Ada", "Li") is inside too many good passwords.
    if any(len(text) >= 4 and text in bare for text in personal):
        found.append("Don't use your name or email address in your password.")
    judged = zxcvbn.zxcvbn(
        password[:_JUDGED_LENGTH], user_inputs=[text for text in (email, local_part, name) if text]
    )
    if judged["score"] < _LOWEST_SCORE and not found:
        warning = judged["feedback"]["warning"]
        found.append(
            f"This password is too easy to guess{': ' + warning if warning else '.'} "
            "Try a few unrelated words."
        )
    return found


def require_acceptable(password: str, *, email: str, name: str, field: str = "password") -> None:
    """Refuse (RuleViolation on `field`) a password the policy finds a problem with."""
    found = problems(password, email=email, name=name)
    if found:
        raise RuleViolation(" ".join(found), field=field)
