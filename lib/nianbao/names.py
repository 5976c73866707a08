r"""How any file name is shown in the frames and stored in the cache, whatever bytes it is made of.

On Linux a file name is bytes. Python decodes it as UTF-8 and keeps bytes that are not UTF-8 as lone
surrogates (``os.fsdecode``'s ``surrogateescape``), which no parquet file, JSON or terminal accepts:
one GBK-named file unpacked from a Chinese Windows zip used to stop a whole run. So a name has two
forms, both plain Unicode:

- :func:`shown_name` / :func:`shown_path`, for the ``path`` column and the summary: a name that is
  not UTF-8 is decoded as GB18030 (GBK's superset, what such names almost always are) when that
  decodes, else its undecodable bytes are written ``\xNN``. Readable, not always reversible, so
  the corpus walk keeps shown paths unique itself.
- :func:`stored_path`, for the cache's fingerprints (a key that must never confuse two files): the
  path unchanged when it is UTF-8, else ``fsbytes:`` + the bytes with ``\`` doubled and the
  non-UTF-8 bytes as ``\xNN``, which can be decoded back and cannot be an absolute path.

>>> name = os.fsdecode("年报.txt".encode("gbk"))
>>> shown_name(name), shown_name(os.fsdecode(b"caf\xe9.txt")), shown_name("普通.txt")
('年报.txt', 'caf\\xe9.txt', '普通.txt')
>>> stored_path(os.fsdecode(b"/c/a\\b\xff")), stored_path("/c/年报.txt")
('fsbytes:/c/a\\\\b\\xff', '/c/年报.txt')
"""

from __future__ import annotations

import os

__all__ = ["BYTES_PREFIX", "is_utf8", "shown_name", "shown_path", "stored_path"]

BYTES_PREFIX = "fsbytes:"


def is_utf8(name: str) -> bool:
    """Is ``name`` plain Unicode (no surrogate standing for a byte that was not UTF-8)?

    >>> is_utf8("年报.txt"), is_utf8(os.fsdecode("年报.txt".encode("gbk")))
    (True, False)
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(name: str) -> str:
    """One name (or path) as shown: GB18030 where its bytes are not UTF-8 but decode so, else ``\\xNN``.

    >>> shown_name(os.fsdecode("报告.docx".encode("gbk"))), shown_name(os.fsdecode(b"\\xff.pdf"))
    ('报告.docx', '\\\\xff.pdf')
    """
    if is_utf8(name):
        return name
    raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as shown, each part by :func:`shown_name` (a GBK folder inside a UTF-8 one reads right).

    >>> shown_path("年报/" + os.fsdecode("县政府".encode("gbk")) + "/2023.pdf")
    '年报/县政府/2023.pdf'
    """
    text = os.fspath(path)
    if is_utf8(text):
        return text
    return "/".join(shown_name(part) for part in text.split("/"))


def stored_path(path: str) -> str:
    """A lossless, unambiguous Unicode form of a path for storing (see the module docstring).

    >>> stored_path(os.fsdecode("报告.txt".encode("gbk")))
    'fsbytes:\\\\xb1\\\\xa8\\\\xb8\\\\xe6.txt'
    """
    if is_utf8(path):
        return path
    raw = os.fsencode(path).replace(b"\\", b"\\\\")
    return BYTES_PREFIX + raw.decode("utf-8", "backslashreplace")
