"""Counts in sentences: "1 compound", "14 compounds", "1,500 households"."""


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun, singular for exactly one; `plural` where adding an s is wrong."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
