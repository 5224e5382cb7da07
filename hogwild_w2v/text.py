"""Reading text: plain or gzip files, line blocks, tokenisation, WikiText conventions.

Tokens are maximal runs of Unicode letters and digits (`[^\\W_]+`), lowercased unless `keep_case`. Text that is
already normalised to space-separated `[a-z0-9]+` tokens (like the bench corpus) tokenises to exactly its own
tokens. One line is one sentence.

WikiText (Merity et al. 2016) files are recognised by their markup and handled so:
  * heading lines (` = Title = `, ` = = Section = = `) are not training text and are skipped;
  * `@,@` between digits is removed, joining thousands groups (`1 @,@ 000` -> `1000`);
  * `@-@` and `@.@` are separators, as hyphens and full stops are for any text (`well @-@ known` -> well, known);
  * `<unk>`, WikiText's placeholder for rare words, is dropped like any out-of-vocabulary token.
"""
from __future__ import annotations

import gzip
import os
import re
import zlib

from .errors import HW2VError

TOKEN_RE = re.compile(r"[^\W_]+")
LINE_TOKEN_RE = re.compile(r"[^\W_]+|\n")          # newline kept as a sentence-end marker
_HEADING_RE = re.compile(r"^ *(=+) .* \1 *$", re.M)
_THOUSANDS_RE = re.compile(r"(?<=\d) @,@ (?=\d)")
_UNK = "<unk>"
REPLACEMENT = "\ufffd"

BLOCK_BYTES = 1 << 22                                # lines are read in blocks of about 4 MiB
READ_ERRORS = (OSError, EOFError, zlib.error)        # unreadable, truncated or corrupt (gzip) input


def tokenize(line: str, keep_case: bool = False) -> list[str]:
    """Tokens of one line of ordinary text."""
    return TOKEN_RE.findall(line if keep_case else line.lower())


def clean_wikitext(block: str) -> str:
    """Apply the WikiText conventions above to a block of whole lines."""
    block = _HEADING_RE.sub("", block)
    block = _THOUSANDS_RE.sub("", block)
    return block.replace(_UNK, " ")


def looks_like_wikitext(path: str) -> bool:
    """WikiText is recognised by its joiners or headings in the first 64 KiB."""
    try:
        with open_text_binary(path) as fh:
            head = fh.read(1 << 16).decode("utf-8", errors="replace")
    except READ_ERRORS as exc:
        raise HW2VError(f"cannot read input '{path}': {exc}") from None
    return " @-@ " in head or " @,@ " in head or bool(_HEADING_RE.search(head))


def check_input(path: str) -> int:
    """Raise a clear error for a path that cannot be read as a text file; return its size in bytes."""
    if not os.path.exists(path):
        raise HW2VError(f"input file '{path}' does not exist")
    if os.path.isdir(path):
        raise HW2VError(f"input '{path}' is a directory, not a text file")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise HW2VError(f"cannot read input '{path}': {exc.strerror}") from None
    return os.path.getsize(path)


def open_text_binary(path: str):
    """Open `path` for binary reading, decompressing gzip transparently (recognised by its magic bytes)."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def _ascii_table(keep_case: bool) -> bytes:
    """bytes.translate table: letters and digits stay (A-Z lowered unless keep_case), the marker \x01 stays,
    every other byte becomes a space. On ASCII text this splits exactly as TOKEN_RE does."""
    table = bytearray(b" " * 256)
    for c in b"abcdefghijklmnopqrstuvwxyz0123456789\x01":
        table[c] = c
    for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[c] = c if keep_case else c + 32
    return bytes(table)


_TABLES = {False: _ascii_table(False), True: _ascii_table(True)}
MARK = b"\x01"                                       # sentence end in the fast path


def block_tokens(raw: bytes, wikitext: bool, keep_case: bool, with_newlines: bool):
    """Tokens of a block of whole lines, and the number of undecodable bytes replaced.

    With `with_newlines`, each line end is a token too: "\n" (str tokens) or MARK (bytes tokens).
    Plain ASCII text takes a fast path that never makes a Python string per character run: one
    `bytes.translate` and one `split` for the whole block (bytes tokens). Anything else is decoded (undecodable
    bytes become U+FFFD and are counted), cleaned of WikiText markup if asked, and matched with TOKEN_RE.
    """
    if not raw.endswith(b"\n"):
        raw += b"\n"
    if raw.isascii() and not wikitext and MARK not in raw:
        if with_newlines:
            raw = raw.replace(b"\n", b" \x01 ")
        return raw.translate(_TABLES[keep_case]).split(), 0
    text = raw.decode("utf-8", errors="replace")
    replaced = text.count(REPLACEMENT)
    if wikitext:
        text = clean_wikitext(text)
    if not keep_case:
        text = text.lower()
    return (LINE_TOKEN_RE if with_newlines else TOKEN_RE).findall(text), replaced


def iter_blocks(path: str, on_read=None):
    """Yield raw byte blocks of whole lines (about BLOCK_BYTES each), decompressing gzip transparently.

    Reads fixed-size chunks and cuts at the last newline (gzip's line-by-line `readlines` costs ~1 s per 7M
    tokens in Python calls); the tail is carried into the next block. A line longer than 2 x BLOCK_BYTES is cut
    at its last space, so a newline-free input (text8) is read in bounded memory. `on_read(bytes)`, if given,
    hears how far into the file on disk (compressed bytes for gzip) reading has got, after every chunk.
    """
    try:
        with open_text_binary(path) as fh:
            raw = getattr(fh, "fileobj", None) or fh               # gzip: the compressed file underneath
            carry = b""
            while True:
                chunk = fh.read(BLOCK_BYTES)
                if on_read is not None:
                    on_read(raw.tell())
                if not chunk:
                    break
                data = carry + chunk
                cut = data.rfind(b"\n") + 1
                if cut == 0:                  # no line end yet: a very long line
                    if len(data) < 2 * BLOCK_BYTES:
                        carry = data
                        continue
                    # longer still (text8 is one 100 MB line): break it between words, so memory stays bounded;
                    # preprocess cuts long lines into MAX_SENTENCE-token pieces anyway, as gensim's Text8Corpus
                    cut = data.rfind(b" ") + 1 or len(data)
                carry = data[cut:]
                yield data[:cut]
            if carry:
                yield carry
    except READ_ERRORS as exc:
        raise HW2VError(f"cannot read input '{path}': {exc}") from None
