"""Fetch a public corpus: mirrors, resumable HTTP download, size / checksum verification, unpacking.

Each source lists its mirrors in order. A mirror that answers 403, 404 or 410, redirects in a loop, cannot be
reached, or serves a file whose checksum is wrong is skipped for the next; the one that served is reported.
Requests carry a User-Agent naming hw2v (wikitext.smerity.com refuses Python's default one).

A download goes to `DEST/NAME.part`; an interrupted one continues from its length with an HTTP Range request
(a server that ignores Range is detected and the file restarts). Only a complete, verified archive is renamed
to its final name and unpacked. A source without a published checksum (text8) is checked against the sha256 of
its first verified download, kept beside the archive as `NAME.sha256`.
"""
from __future__ import annotations

import os
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass

from . import __version__
from .errors import HW2VError
from .fileutil import file_digests

USER_AGENT = f"hw2v/{__version__} (word2vec trainer; Python urllib)"


@dataclass(frozen=True)
class Source:
    mirrors: tuple               # URLs, tried in order
    filename: str
    size: int | None = None      # bytes, where known
    md5: str | None = None       # as published (torchtext's dataset table for WikiText)
    sha256: str | None = None
    unpacks_to: tuple = ()       # paths inside DEST after unpacking


# WikiText: the dataset author's own server first; the original S3 bucket (403 since early 2024) last, in case it
# returns. MD5s as published in torchtext's dataset table. text8: no checksum is published (size only; see above).
SOURCES = {
    "text8": Source(("http://mattmahoney.net/dc/text8.zip",), "text8.zip", size=31_344_016,
                    unpacks_to=("text8",)),
    "wikitext-2": Source(("https://wikitext.smerity.com/wikitext-2-v1.zip",
                          "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip"),
                         "wikitext-2-v1.zip", md5="542ccefacc6c27f945fb54453812b3cd",
                         unpacks_to=("wikitext-2/wiki.train.tokens", "wikitext-2/wiki.valid.tokens",
                                     "wikitext-2/wiki.test.tokens")),
    "wikitext-103": Source(("https://wikitext.smerity.com/wikitext-103-v1.zip",
                            "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-103-v1.zip"),
                           "wikitext-103-v1.zip", md5="9ddaacaf6af0710eda8c456decff7832",
                           unpacks_to=("wikitext-103/wiki.train.tokens", "wikitext-103/wiki.valid.tokens",
                                       "wikitext-103/wiki.test.tokens")),
}


class MirrorFailed(HW2VError):
    """This mirror cannot serve the file; the next one may (any HTTP error but a resumable 416, a redirect loop,
    no connection, or a file that fails verification)."""


CHUNK = 1 << 16


def verify(path, source: Source, pinned=None):
    """Raise if the file's size or checksums differ from what `source` (or a `pinned` sha256) says; return its
    sha256."""
    size = os.path.getsize(path)
    if source.size is not None and size != source.size:
        raise HW2VError(f"{source.filename}: expected {source.size:,} bytes, got {size:,}")
    digests = file_digests(path, "md5", "sha256")
    md5, sha = digests["md5"], digests["sha256"]
    if source.md5 and md5 != source.md5:
        raise HW2VError(f"{source.filename}: MD5 {md5} does not match the published {source.md5}")
    for want, what in ((source.sha256, "expected"), (pinned, "first verified download's")):
        if want and sha != want:
            raise HW2VError(f"{source.filename}: sha256 {sha} does not match the {what} {want}")
    return sha


def _get(url, part, have, progress, total_hint, timeout):
    """Append `url` from byte `have` to `part`. HTTP errors propagate."""
    headers = {"User-Agent": USER_AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as resp:
        resumed = have and resp.status == 206
        if have and not resumed:
            have = 0                                       # the server sent the whole file again
        length = resp.headers.get("Content-Length")
        total = have + int(length) if length is not None else total_hint
        if progress:
            progress(have, total)
        with open(part, "ab" if resumed else "wb") as fh:
            for block in iter(lambda: resp.read(CHUNK), b""):
                fh.write(block)
                have += len(block)
                if progress:
                    progress(have, total)


def fetch_from(url, source: Source, dest, progress=None, timeout=30.0, pinned=None):
    """Download `source` from one mirror into `dest` (resuming a `.part` file) and verify it; returns the archive.
    Raises `MirrorFailed` when another mirror should be tried."""
    final = os.path.join(dest, source.filename)
    part = final + ".part"
    have = os.path.getsize(part) if os.path.exists(part) else 0
    try:
        _get(url, part, have, progress, source.size, timeout)
    except urllib.error.HTTPError as exc:
        if not (exc.code == 416 and have):                 # 416 with a part: nothing left, the part is complete
            raise MirrorFailed(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise MirrorFailed(str(getattr(exc, "reason", exc))) from None
    try:
        verify(part, source, pinned)
    except HW2VError as exc:
        os.remove(part)                                     # a bad file must not be resumed from
        raise MirrorFailed(str(exc)) from None
    os.replace(part, final)
    return final


def fetch(source: Source, dest, progress=None, timeout=30.0, log=None):
    """Fetch `source` from its first mirror that serves a verified file. Returns (archive path, URL used)."""
    os.makedirs(dest, exist_ok=True)
    final = os.path.join(dest, source.filename)
    pin_path = final + ".sha256"
    pinned = open(pin_path).read().split()[0] if os.path.exists(pin_path) else None
    if os.path.exists(final):
        verify(final, source, pinned)
        return final, None
    tried = []
    for url in source.mirrors:
        try:
            archive = fetch_from(url, source, dest, progress, timeout, pinned)
        except MirrorFailed as exc:
            tried.append(f"{url} ({exc})")
            if log:
                log(f"{url}: {exc}; trying the next mirror" if url != source.mirrors[-1] else f"{url}: {exc}")
            continue
        if not (source.md5 or source.sha256 or pinned):     # trust on first use: later downloads must match
            with open(pin_path, "w") as fh:
                fh.write(f"{file_digests(archive, 'sha256')['sha256']}  {source.filename}\n")
        return archive, url
    raise HW2VError(f"could not download {source.filename}: tried {'; '.join(tried)}. A partial download is "
                    f"resumed by running the command again; --url URL fetches from a mirror you know")


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


def download(name, dest, url=None, progress=None, log=None):
    """Fetch, verify and unpack corpus `name` (`url` replaces its mirrors); returns the paths of its text files.
    `log` receives one line per mirror that failed and the one that served."""
    if name not in SOURCES:
        raise HW2VError(f"unknown corpus '{name}' (choose from {', '.join(SOURCES)})")
    source = SOURCES[name]
    if url:
        source = Source((url,), source.filename, source.size, source.md5, source.sha256, source.unpacks_to)
    archive, used = fetch(source, dest, progress, log=log)
    if log and used:
        log(f"downloaded {source.filename} from {used}")
    unpack(archive, dest)
    return [os.path.join(dest, p) for p in source.unpacks_to]

