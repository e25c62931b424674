"""A student's text made safe to show: in a terminal, in a text file, in a spreadsheet's cell.

Feedback carries what a submission wrote (an exception's message, printed output, a file name, a name in an LMS
export), and any of it may hold control sequences: ESC sequences that write the clipboard (OSC 52), set the window
title, clear the screen or colour a fake PASS; a CR or BS that overwrites what is on the line; Unicode bidi controls
that reorder what is shown; a lone surrogate (an undecodable file name) that no UTF-8 file can hold. `printable`
writes each such character as its escape (`\\x1b`, `\\r`, `\\u202e`), so the text says what it held and does
nothing. `cell` also neutralises a spreadsheet formula as OWASP recommends for CSV injection: a cell beginning
with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`.
"""
from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _escape(m: re.Match) -> str:
    c = m.group()
    named = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}.get(c)
    return named or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def printable(text: str, keep: str = "\n\t") -> str:
    """`text` with every control character but those in `keep` written as its escape."""
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)


def cell(text: str) -> str:
    """A text cell of a CSV file: control characters escaped (line breaks kept), a formula neutralised."""
    safe = printable(text, keep="\n")
    return "'" + safe if text.startswith(_FORMULA) or safe.startswith(_FORMULA) else safe
