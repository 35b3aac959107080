"""Unicode facts for the integrity rules: invisible and control characters, look-alike folding.

Lean reads a proof as its exact code points, so a keyword spelled with look-alike letters
(Cyrillic ``ѕоrrу``, fullwidth ``ｓｏｒｒｙ``, mathematical script ``𝓈𝑜𝓇𝓇𝓎``, a zero-width space
inside ``so​rry``) is not that keyword to Lean. Such text is still a hacking attempt: it targets a
human reader, a log filter or a weaker checker, and it has no use in an honest proof. The
integrity rules therefore fold text to what it *looks like* (:func:`fold`) and reject a proof
whose folded form shows a forbidden word that the raw form hides.

Legitimate Lean Unicode (``⟨ ⟩ → ↔ ∧ ∨ ¬ ∀ ∃ ≤ ≥ ≠ ⊢ ℕ ℤ · ▸ λ ←``, Greek variable names, Mathlib
superscripts such as ``sᶜ``) passes: it is neither a control character nor foreign-script
letters, and folding it never spells a forbidden word.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["control_char_at", "invisible_char_at", "foreign_letter_at", "fold"]

# Cyrillic, Greek and other letters that look like Latin ones. NFKC already folds fullwidth
# forms, mathematical alphanumerics, ligatures and super/subscripts; this table adds the
# cross-script look-alikes NFKC keeps apart.
_LOOKALIKES: dict[str, str] = {
    # Cyrillic lower case
    "а": "a", "в": "b", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "ӏ": "l", "м": "m", "п": "n", "о": "o", "р": "p", "ԛ": "q", "г": "r", "ѕ": "s",
    "т": "t", "ц": "u", "ѵ": "v", "ԝ": "w", "х": "x", "у": "y", "ү": "y", "з": "z", "ɡ": "g",
    # Cyrillic upper case
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K", "М": "M",
    "О": "O", "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y", "Ү": "Y", "Ԁ": "D", "Ԛ": "Q",
    "Ԝ": "W", "с": "c",
    # Greek (valid in Lean identifiers, so only folded, never rejected on sight)
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ϲ": "c", "ϳ": "j",
    # Armenian and Latin extensions
    "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ո": "n", "ք": "p", "ı": "i", "ȷ": "j", "ɑ": "a",
    "ɩ": "i", "ʏ": "y", "ᴀ": "a", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ᴍ": "m", "ᴏ": "o", "ᴛ": "t",
}  # fmt: skip

# Scripts whose letters Lean never reads as identifier characters; in code they only serve to
# imitate Latin letters (a proof Lean accepts never contains them outside comments/strings).
_FOREIGN_RANGES: tuple[tuple[int, int], ...] = (
    (0x0400, 0x052F),  # Cyrillic, Cyrillic Supplement
    (0x0530, 0x058F),  # Armenian
    (0x13A0, 0x13FF),  # Cherokee
    (0x1C80, 0x1C8F),  # Cyrillic Extended-C
    (0x2DE0, 0x2DFF),  # Cyrillic Extended-A
    (0xA640, 0xA69F),  # Cyrillic Extended-B
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
)
_FOREIGN_SINGLES = frozenset("ıȷɑɡɩʏᴀᴄᴅᴇᴍᴏᴛ")


def control_char_at(text: str) -> int | None:
    """The offset of the first control character Lean must never see, or None.

    Allowed: ``\\n`` and a ``\\r`` directly before ``\\n``. Rejected: every other C0/C1 control
    character (NUL, ESC, ...), including the tab, which Lean refuses in source anyway
    ("tabs are not allowed"), and lone surrogates.
    """
    m = _CONTROL.search(text)
    return None if m is None else m.start()


# Category Cc is exactly U+0000-U+001F and U+007F-U+009F, category Cs the surrogates; a newline
# and a CR directly before one are allowed.
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\r(?!\n)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def invisible_char_at(text: str) -> int | None:
    """The offset of the first invisible format character (category Cf), or None.

    Zero-width spaces and joiners (U+200B-U+200D), the word joiner U+2060, the byte-order mark
    U+FEFF, the soft hyphen U+00AD and the bidirectional overrides are all category Cf; none has
    a use in a proof, and each can hide or split a keyword.
    """
    for m in _NON_ASCII.finditer(text):  # no ASCII character is of category Cf
        if unicodedata.category(m.group()) == "Cf":
            return m.start()
    return None


def foreign_letter_at(code: str) -> int | None:
    """The offset of the first foreign-script look-alike letter or combining mark in ``code``.

    ``code`` is proof text with comments and string literals blanked: these characters are fine
    in a comment, but in code they can only imitate a Latin letter or decorate one.
    """
    for m in _NON_ASCII.finditer(code):  # every look-alike and combining mark is outside ASCII
        ch, i = m.group(), m.start()
        if ch < _FIRST_SUSPECT:
            continue
        cp = ord(ch)
        if ch in _FOREIGN_SINGLES or any(lo <= cp <= hi for lo, hi in _FOREIGN_RANGES):
            return i
        if unicodedata.category(ch) in ("Mn", "Me") and cp not in _LEAN_COMBINING:
            return i
    return None


# Below this code point no character is a foreign look-alike or a combining mark.
_FIRST_SUSPECT = chr(
    min(0x0300, *(ord(c) for c in _FOREIGN_SINGLES), *(lo for lo, _ in _FOREIGN_RANGES))
)

# Combining marks that Lean notation uses: U+0338 (the slash of ≠ spelled with a combining mark).
_LEAN_COMBINING = frozenset({0x0338})


def fold(text: str) -> str:
    """``text`` as it looks: NFKC, then look-alike letters mapped to Latin, combining marks dropped.

    Positions are not kept (NFKC may change lengths); use the result only to ask what words the
    text appears to spell.
    """
    if text.isascii():  # NFKC leaves ASCII as it is, and no look-alike is ASCII
        return text
    out: list[str] = []
    for ch in unicodedata.normalize("NFKC", text):
        if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        out.append(_LOOKALIKES.get(ch, ch))
    return "".join(out)
