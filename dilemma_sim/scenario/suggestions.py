"""Did-you-mean suggestions for misspelt names, keys and functions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_match(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word``, if any is close enough to suggest."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(suggestion: str | None) -> str:
    """The " (did you mean 'x'?)" tail of a message, or nothing without a suggestion."""
    return f" (did you mean '{suggestion}'?)" if suggestion else ""
