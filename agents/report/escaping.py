"""Putting untrusted text into the page: HTML text, JSON inside a script element, data URIs.

Every theorem name, statement, tactic, goal and Lean message comes from a dataset, a model or
Lean, so none of it may be read as markup. Two routes, each safe on its own:

* text the server writes into the HTML goes through :func:`text` (``&``, ``<``, ``>``, both
  quotes);
* data the page's script renders goes in ``<script type="application/json">`` through
  :func:`script_json`, and the script only ever puts it in the DOM with ``textContent`` and
  ``setAttribute``, never ``innerHTML``.

Inside a script element the HTML parser only looks for ``</script`` (and ``<!--`` and
``<script``, which change how it looks for it), so :func:`script_json` writes every ``<``,
``>`` and ``&`` as a JSON ``\\u`` escape: the element's text then contains none of them and
``JSON.parse`` gives back the exact strings. U+2028/U+2029 (line terminators to old JavaScript
parsers) and lone surrogates (not encodable as UTF-8) are escaped the same way.
"""

from __future__ import annotations

import base64
import html
import json
import re
from typing import Any

__all__ = ["text", "script_json", "png_data_uri"]

_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _unicode_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def text(value: object) -> str:
    """``value`` as HTML text or attribute value (quotes escaped too).

    U+2028/U+2029 become character references (harmless in HTML, but tools that treat them as
    line breaks see none); lone surrogates, which UTF-8 cannot encode, become U+FFFD.
    """
    escaped = html.escape(str(value), quote=True)
    escaped = escaped.replace("\u2028", "&#8232;").replace("\u2029", "&#8233;")
    return _LONE_SURROGATE.sub("\ufffd", escaped)


def script_json(obj: Any) -> str:
    """``obj`` as JSON that can sit between ``<script type="application/json">`` tags.

    Raises:
        ValueError: For values JSON cannot represent (NaN and infinities included).
    """
    dumped = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return _SCRIPT_UNSAFE.sub(_unicode_escape, dumped)


def png_data_uri(data: bytes) -> str:
    """A ``data:image/png;base64,...`` URI (the page fetches nothing)."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
