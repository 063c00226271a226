"""Which respondent ids are accepted: exactly those that ``DELETE /v1/respondents/…`` can name.

Any text can be percent-encoded into a URL path, with these exceptions, refused on write:

* control characters (Unicode category Cc: NUL, tab, line breaks, DEL, C1) and the line
  and paragraph separators U+2028/U+2029 (Zl, Zp): a line break cannot be matched by a
  route (Starlette's ``$`` stops before a trailing one), and proxies, logs and people
  copying an id from a form mangle the others;
* lone surrogates (Cs): they have no UTF-8 form, so no URL can carry them;
* ``.`` and ``..``: HTTP clients resolve them as dot segments, even percent-encoded.

The rule is a character class, not a loop over ``unicodedata``: it runs on every answer.
"""

from __future__ import annotations

import re

# Cc is U+0000–001F and U+007F–009F; Zl is U+2028 alone, Zp U+2029 alone; Cs D800–DFFF.
_UNSENDABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_DOT_SEGMENTS = frozenset({".", ".."})


def erasable(respondent: str) -> str:
    """The id unchanged, or ValueError saying why no URL could name it for erasure."""
    found = _UNSENDABLE.search(respondent)
    if found:
        raise ValueError(
            f"may not contain control characters, line or paragraph separators "
            f"(found U+{ord(found.group()):04X}): it could not be named to erase it"
        )
    if respondent in _DOT_SEGMENTS:
        raise ValueError("'.' and '..' cannot be named in a URL path to erase them")
    return respondent
