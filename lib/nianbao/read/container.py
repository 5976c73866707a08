"""Reports saved inside another container: a JSON API response or a JavaScript data file.

Some portals draw a report page from data: the page's HTML (or its text) travels as a string in a
JSON response (``{"data": {"title": …, "content": "<p>…"}}``, often with ``\\uXXXX`` escapes) or in a
JavaScript file (``var pageData = {…};``, a JSONP call ``cb({…})``). Saved as they are, these files
hold no readable table. :func:`unwrap` finds the string that holds the report and gives it back as
the bytes of an HTML page (or text) for the usual readers; the report's title, when the container
keeps it in a field of its own, is put in front of the page. Nothing is evaluated or fetched: JSON
is parsed by :mod:`json`, JavaScript only scanned for string literals.

>>> import json
>>> body = "<p>甲县2023年政府信息公开工作年度报告</p>" + "<p>一、总体情况</p>" * 30 + "<table><tr><td>3</td></tr></table>"
>>> inner = unwrap(json.dumps({"code": 0, "data": {"content": body}}).encode())
>>> inner.html.decode() == body, inner.where
(True, 'data.content')
>>> unwrap("一、总体情况".encode()) is None
True
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from nianbao.read.text import decode_checked

__all__ = ["NOT_FOUND", "Unwrapped", "looks_like_container", "unwrap"]

# what a JSON document, a JSONP call or a JavaScript data file begins with (after comments); ASCII,
# so it is matched on the bytes (no decoding of every text file to ask)
_START = re.compile(
    rb"""^\s*(?:(?:/\*.*?\*/|//[^\n]*\n)\s*)*"""
    rb"""(?:[\[{]|(?:(?:var|let|const)\s+)?[\w$][\w$.]*(?:\[["'][^"'\n]{0,100}["']\])?\s*(?:=\s*[\[{"'(]|\(\s*[\[{]))""",
    re.DOTALL,
)
NOT_FOUND = "a JSON or JavaScript data file, none of whose strings reads like a report page"
# a string literal of JavaScript (JSON's are among them); linear: no nested quantifier
_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', re.DOTALL)
# an escape of a JavaScript literal (\xHH first, then any \c) or a bare double quote: read left to
# right, so an escaped backslash is never taken for the start of another escape
_JS_ESCAPE = re.compile(r'\\x([0-9a-fA-F]{2})|\\(.)|(")', re.DOTALL)
_JSON_ESCAPES = frozenset('"\\/bfnrtu')
_JS_ESCAPES = {"v": "\v", "0": "\0", "'": "'", "\n": ""}  # a backslash before a newline continues the line
_KEY_BEFORE = re.compile(r"""["']?([\w$.]+)["']?\s*[:=]\s*\Z""")  # the name a literal is given
_REPORT = re.compile(r"政府信息公开|主动公开|年度报告")
_TITLE = re.compile(r"\d{4}\s*年.{0,80}?政府信息公开.{0,20}?年度?报告")
_TAG = re.compile(r"<(?:table|tr|td|p|div|br|span|html|body)\b", re.IGNORECASE)
_MIN_BODY = 200  # characters: a report is longer than this; a title or a label is not
_MAX_DEPTH = 3  # JSON in a string in JSON, and no deeper


@dataclass(frozen=True, slots=True)
class Unwrapped:
    """The report found in a container: its bytes, whether they are HTML, and where it was."""

    html: bytes
    is_html: bool
    where: str  # the key path (``data.content``), a JavaScript literal's name, or ``string 3``


def looks_like_container(data: bytes) -> bool:
    """Does ``data`` begin as JSON, a JSONP call or a JavaScript assignment?

    >>> looks_like_container(b'var pageData = {"content": "..."};'), looks_like_container(b"cb([1, 2])")
    (True, True)
    >>> looks_like_container("<html><body>".encode()), looks_like_container("一、总体情况".encode())
    (False, False)
    """
    return bool(_START.match(data[:4096].removeprefix(b"\xef\xbb\xbf")))


def _as_json_escape(m: re.Match[str]) -> str:
    """One escape (or bare ``"``) of a JavaScript literal as JSON writes it."""
    hex_digits, char = m.group(1), m.group(2)
    if hex_digits is not None:
        return f"\\u00{hex_digits}"
    if char is None:  # a bare " inside '...'
        return '\\"'
    if char in _JSON_ESCAPES:
        return f"\\{char}"
    return json.dumps(_JS_ESCAPES.get(char, char))[1:-1]  # \v, \0; any other \c is c, as in JavaScript


def _js_string(literal: str) -> str | None:
    """The value of a JavaScript string literal (JSON's escapes, ``\\'``, ``\\xHH``, ``\\v``, ``\\0``), or None."""
    body = _JS_ESCAPE.sub(_as_json_escape, literal[1:-1])
    try:
        value = json.loads(f'"{body}"', strict=False)  # raw tabs, as JavaScript allows
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string of a parsed JSON value with its key path (iteratively: no recursion limit)."""
    found, stack = [], [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            found.append((where or "(root)", item))
        elif isinstance(item, dict):
            stack.extend((f"{where}.{k}" if where else str(k), v) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(item))))
    return found


def _parsed(text: str) -> Any:
    """``text`` as JSON, also inside a JSONP call or after ``var x =``; None when it is not."""
    body = text.strip().lstrip("\ufeff")
    start = min((i for i in (body.find("{"), body.find("[")) if i >= 0), default=-1)
    if start < 0:
        return None
    for candidate in (body, body[start:].rstrip(";) \n\r\t")):
        try:
            return json.loads(candidate, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _is_page(text: str) -> bool:
    """Does ``text`` read as HTML (two of the tags a report page is made of, near its start)?"""
    return len(_TAG.findall(text[:20000])) >= 2


def _candidates(text: str, depth: int = 0, value: Any = None) -> list[tuple[str, str]]:
    """Every string of the container with where it is; a string that is itself JSON (a page
    encoded twice) is opened in turn, ``_MAX_DEPTH`` levels down at most. ``value``: ``text``
    already parsed as JSON."""
    if value is None:
        value = _parsed(text)
    if value is not None:
        found = _strings(value)
    else:
        found = []
        for i, m in enumerate(_LITERAL.finditer(text), 1):
            literal = _js_string(m.group())
            if literal is not None:
                key = _KEY_BEFORE.search(text, max(0, m.start() - 120), m.start())
                found.append((key.group(1) if key else f"string {i}", literal))
    if depth + 1 >= _MAX_DEPTH:
        return found
    out = []
    for where, string in found:
        inner = _parsed(string) if len(string) >= _MIN_BODY and string.lstrip()[:1] in ("{", "[") else None
        if inner is not None:  # the JSON text itself is no page: its strings are
            out += [(f"{where} → {w}", s) for w, s in _candidates(string, depth + 1, inner)]
        else:
            out.append((where, string))
    return out


def _best(strings: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The longest string that reads like a report (HTML before plain text)."""
    reports = [(w, s) for w, s in strings if len(s) >= _MIN_BODY and _REPORT.search(s)]
    pages = [(w, s) for w, s in reports if _is_page(s)]
    pool = pages or reports
    return max(pool, key=lambda ws: len(ws[1])) if pool else None


def _title(strings: list[tuple[str, str]], body: str) -> str | None:
    """A report title kept in a field of its own, when the body does not print it."""
    for _, s in strings:
        if len(s) < _MIN_BODY and _TITLE.search(s) and s.strip() not in body:
            return s.strip()
    return None


def unwrap(data: bytes) -> Unwrapped | None:
    """The report inside a JSON or JavaScript container, or None when ``data`` is no container or
    none of its strings reads like a report (the caller then reads it as it is).

    >>> page = "<div><p>" + "甲镇政府信息公开工作年度报告。" * 20 + "</p><table><tr><td>1</td></tr></table></div>"
    >>> js = "var d = {title: '甲镇2023年政府信息公开工作年度报告', body: " + json.dumps(page, ensure_ascii=False) + "};"
    >>> out = unwrap(js.encode())
    >>> out.where, out.html.decode().startswith("<p>甲镇2023年政府信息公开工作年度报告</p><div>")
    ('body', True)
    >>> unwrap(b'{"code": 0, "msg": "ok"}') is None
    True
    """
    if not looks_like_container(data):
        return None
    text, _ = decode_checked(data)
    strings = _candidates(text)
    best = _best(strings)
    return None if best is None else _page(best[0], best[1], strings)


def _page(where: str, body: str, strings: list[tuple[str, str]]) -> Unwrapped:
    is_html = _is_page(body)
    title = _title(strings, body)
    if title:
        body = f"<p>{html.escape(title)}</p>{body}" if is_html else f"{title}\n{body}"
    return Unwrapped(body.encode("utf-8"), is_html, where)
