"""Fetch a public corpus: resumable HTTP download, size / checksum verification, unpacking.

A download goes to `DEST/NAME.part`; an interrupted one continues from its length with an HTTP Range request
(a server that ignores Range is detected and the file restarts). Only a complete, verified archive is renamed
to its final name and unpacked.
"""
from __future__ import annotations

import os
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass

from .errors import HW2VError
from .fileutil import file_digests


@dataclass(frozen=True)
class Source:
    url: str
    filename: str
    size: int | None = None      # bytes, where known
    md5: str | None = None       # as published (torchtext's dataset table for WikiText)
    sha256: str | None = None
    unpacks_to: tuple = ()       # paths inside DEST after unpacking


SOURCES = {
    "text8": Source("http://mattmahoney.net/dc/text8.zip", "text8.zip", size=31_344_016, unpacks_to=("text8",)),
    "wikitext-2": Source("https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip",
                         "wikitext-2-v1.zip", md5="542ccefacc6c27f945fb54453812b3cd",
                         unpacks_to=("wikitext-2/wiki.train.tokens", "wikitext-2/wiki.valid.tokens",
                                     "wikitext-2/wiki.test.tokens")),
    "wikitext-103": Source("https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-103-v1.zip",
                           "wikitext-103-v1.zip", md5="9ddaacaf6af0710eda8c456decff7832",
                           unpacks_to=("wikitext-103/wiki.train.tokens", "wikitext-103/wiki.valid.tokens",
                                       "wikitext-103/wiki.test.tokens")),
}

CHUNK = 1 << 16


def verify(path, source: Source):
    """Raise if the file's size or checksums differ from what `source` knows; return its sha256."""
    size = os.path.getsize(path)
    if source.size is not None and size != source.size:
        raise HW2VError(f"{source.filename}: expected {source.size:,} bytes, got {size:,}")
    digests = file_digests(path, "md5", "sha256")
    md5, sha = digests["md5"], digests["sha256"]
    if source.md5 and md5 != source.md5:
        raise HW2VError(f"{source.filename}: MD5 {md5} does not match the published {source.md5}")
    if source.sha256 and sha != source.sha256:
        raise HW2VError(f"{source.filename}: sha256 {sha} does not match the expected {source.sha256}")
    return sha


def fetch(source: Source, dest, progress=None, timeout=30.0):
    """Download `source` into `dest` (resuming a `.part` file) and verify it. Returns the archive path."""
    os.makedirs(dest, exist_ok=True)
    final = os.path.join(dest, source.filename)
    if os.path.exists(final):
        verify(final, source)
        return final
    part = final + ".part"
    have = os.path.getsize(part) if os.path.exists(part) else 0
    request = urllib.request.Request(source.url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            resumed = have and resp.status == 206
            if have and not resumed:
                have = 0                                   # the server sent the whole file again
            length = resp.headers.get("Content-Length")
            total = have + int(length) if length is not None else source.size
            if progress:
                progress(have, total)
            with open(part, "ab" if resumed else "wb") as fh:
                for block in iter(lambda: resp.read(CHUNK), b""):
                    fh.write(block)
                    have += len(block)
                    if progress:
                        progress(have, total)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:                       # nothing left to fetch: the part is complete
            pass
        else:
            raise HW2VError(f"download of {source.url} failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HW2VError(f"download of {source.url} failed: {reason}; run the command again to resume") from None
    try:
        verify(part, source)
    except HW2VError:
        os.remove(part)                                     # a bad file must not be resumed from
        raise
    os.replace(part, final)
    return final


def unpack(archive, dest):
    """Extract a zip archive into `dest` (refusing members that would land outside it)."""
    root = os.path.realpath(dest)
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                target = os.path.realpath(os.path.join(dest, member))
                if not target.startswith(root + os.sep) and target != root:
                    raise HW2VError(f"{archive}: member '{member}' would be written outside {dest}")
            zf.extractall(dest)
    except zipfile.BadZipFile:
        raise HW2VError(f"{archive} is not a valid zip file") from None


def download(name, dest, url=None, progress=None):
    """Fetch, verify and unpack corpus `name`; returns the paths of its text files."""
    if name not in SOURCES:
        raise HW2VError(f"unknown corpus '{name}' (choose from {', '.join(SOURCES)})")
    source = SOURCES[name]
    if url:
        source = Source(url, source.filename, source.size, source.md5, source.sha256, source.unpacks_to)
    archive = fetch(source, dest, progress)
    unpack(archive, dest)
    return [os.path.join(dest, p) for p in source.unpacks_to]

