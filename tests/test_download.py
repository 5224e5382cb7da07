"""`hw2v download` against a local HTTP server on 127.0.0.1 (no internet here): resume, checks, unpacking."""
import hashlib
import http.server
import io
import os
import threading
import zipfile

import pytest
from click.testing import CliRunner

from hogwild_w2v import download as dl
from hogwild_w2v.cli import main
from hogwild_w2v.errors import HW2VError


def make_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("text8", ("anarchism originated as a term of abuse " * 2000).encode())
    return buf.getvalue()


PAYLOAD = make_zip()


class Handler(http.server.BaseHTTPRequestHandler):
    requests = []
    agents = []

    def do_GET(self):
        rng = self.headers.get("Range")
        Handler.requests.append(rng)
        Handler.agents.append(self.headers.get("User-Agent"))
        if self.path == "/missing.zip":
            self.send_error(404)
            return
        if self.path.startswith("/forbidden/"):
            self.send_error(403)
            return
        if self.path.startswith("/gone/"):
            self.send_error(410)
            return
        if self.path.startswith("/loop/"):
            self.send_response(302)
            self.send_header("Location", self.path)
            self.end_headers()
            return
        agent = self.headers.get("User-Agent") or ""
        if self.path.startswith("/picky/") and (not agent or agent.startswith("Python-urllib")):
            self.send_error(403, "no robots")              # as wikitext.smerity.com does
            return
        data = PAYLOAD[:-10] + b"x" * 10 if self.path.startswith("/corrupt/") else PAYLOAD
        start = int(rng.split("=")[1].split("-")[0]) if rng else 0
        if start >= len(data):
            self.send_response(416)
            self.end_headers()
            return
        self.send_response(206 if rng else 200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def text8_source(monkeypatch, server):
    src = dl.Source((server + "/text8.zip",), "text8.zip", size=len(PAYLOAD),
                    sha256=hashlib.sha256(PAYLOAD).hexdigest(), unpacks_to=("text8",))
    monkeypatch.setitem(dl.SOURCES, "text8", src)
    return src


def test_download_verifies_and_unpacks(tmp_path, text8_source):
    r = CliRunner().invoke(main, ["download", "text8", "--dest", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert os.path.join(str(tmp_path), "text8") in r.output
    assert (tmp_path / "text8").read_bytes().startswith(b"anarchism originated")
    assert not (tmp_path / "text8.zip.part").exists()


def test_download_resumes_a_partial_file(tmp_path, text8_source):
    (tmp_path / "text8.zip.part").write_bytes(PAYLOAD[:1000])
    Handler.requests.clear()
    paths = dl.download("text8", str(tmp_path))
    assert Handler.requests == ["bytes=1000-"]
    assert (tmp_path / "text8.zip").read_bytes() == PAYLOAD and os.path.exists(paths[0])


def test_bad_checksum_is_refused_and_not_kept(tmp_path, monkeypatch, server):
    monkeypatch.setitem(dl.SOURCES, "text8", dl.Source((server + "/text8.zip",), "text8.zip", sha256="0" * 64))
    with pytest.raises(HW2VError, match="does not match the expected .*--url"):
        dl.download("text8", str(tmp_path))
    assert not os.listdir(tmp_path)


def test_wrong_size_and_http_errors_are_one_line(tmp_path, monkeypatch, server):
    monkeypatch.setitem(dl.SOURCES, "text8", dl.Source((server + "/text8.zip",), "text8.zip", size=5))
    r = CliRunner().invoke(main, ["download", "text8", "--dest", str(tmp_path), "-q"])
    assert r.exit_code == 1 and r.output.startswith("Error: could not download text8.zip: tried ")
    assert "(text8.zip: expected 5 bytes, got" in r.output
    r = CliRunner().invoke(main, ["download", "wikitext-2", "--dest", str(tmp_path), "-q", "--url",
                                  server + "/missing.zip"])
    assert r.exit_code == 1 and "HTTP 404" in r.output and len(r.output.strip().splitlines()) == 1
    r = CliRunner().invoke(main, ["download", "text8", "--dest", str(tmp_path), "-q", "--url",
                                  "http://127.0.0.1:9/nothing.zip"])
    assert r.exit_code == 1 and "resumed by running the command again" in r.output
    assert len(r.output.strip().splitlines()) == 1


def mirrored(server, *paths, **checks):
    checks = checks or {"sha256": hashlib.sha256(PAYLOAD).hexdigest()}
    return dl.Source(tuple(server + p for p in paths), "text8.zip", unpacks_to=("text8",), **checks)


@pytest.mark.parametrize("bad", ["/forbidden/text8.zip", "/gone/text8.zip", "/missing.zip", "/loop/text8.zip",
                                 "/corrupt/text8.zip"])
def test_a_failing_mirror_is_skipped_for_the_next(tmp_path, monkeypatch, server, bad):
    monkeypatch.setitem(dl.SOURCES, "text8", mirrored(server, bad, "/text8.zip"))
    lines = []
    paths = dl.download("text8", str(tmp_path), log=lines.append)
    assert (tmp_path / "text8.zip").read_bytes() == PAYLOAD and os.path.exists(paths[0])
    assert lines[0].startswith(server + bad) and "trying the next mirror" in lines[0]
    assert lines[-1] == f"downloaded text8.zip from {server}/text8.zip"


def test_requests_name_hw2v_so_picky_servers_answer(tmp_path, monkeypatch, server):
    monkeypatch.setitem(dl.SOURCES, "text8", mirrored(server, "/picky/text8.zip"))
    Handler.agents.clear()
    r = CliRunner().invoke(main, ["download", "text8", "--dest", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert Handler.agents == [dl.USER_AGENT] and dl.USER_AGENT.startswith("hw2v/")
    assert f"downloaded text8.zip from {server}/picky/text8.zip" in r.output


def test_every_mirror_down_is_one_line_listing_them_and_suggesting_url(tmp_path, monkeypatch, server):
    monkeypatch.setitem(dl.SOURCES, "text8", mirrored(server, "/forbidden/a.zip", "/corrupt/b.zip"))
    r = CliRunner().invoke(main, ["download", "text8", "--dest", str(tmp_path), "-q"])
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1
    assert r.output.startswith("Error: could not download text8.zip: tried ")
    assert "/forbidden/a.zip (HTTP 403" in r.output and "/corrupt/b.zip (text8.zip: sha256" in r.output
    assert "--url" in r.output and not os.path.exists(tmp_path / "text8.zip.part")


def test_a_source_without_checksum_is_pinned_by_its_first_download(tmp_path, monkeypatch, server):
    monkeypatch.setitem(dl.SOURCES, "text8", mirrored(server, "/text8.zip", size=len(PAYLOAD)))
    dl.download("text8", str(tmp_path))
    pin = (tmp_path / "text8.zip.sha256").read_text().split()[0]
    assert pin == hashlib.sha256(PAYLOAD).hexdigest()
    (tmp_path / "text8.zip").unlink()
    monkeypatch.setitem(dl.SOURCES, "text8", mirrored(server, "/corrupt/text8.zip", size=len(PAYLOAD)))
    with pytest.raises(HW2VError, match="first verified download"):
        dl.download("text8", str(tmp_path))


def test_built_in_sources_try_the_live_mirror_first_and_all_have_checks():
    for name, src in dl.SOURCES.items():
        assert src.md5 or src.sha256 or src.size, name
    for name in ("wikitext-2", "wikitext-103"):
        assert dl.SOURCES[name].mirrors[0].startswith("https://wikitext.smerity.com/")
        assert dl.SOURCES[name].md5
