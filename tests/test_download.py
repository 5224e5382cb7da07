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

    def do_GET(self):
        rng = self.headers.get("Range")
        Handler.requests.append(rng)
        if self.path == "/missing.zip":
            self.send_error(404)
            return
        data = PAYLOAD
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
    src = dl.Source(server + "/text8.zip", "text8.zip", size=len(PAYLOAD),
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
    monkeypatch.setitem(dl.SOURCES, "text8", dl.Source(server + "/text8.zip", "text8.zip", sha256="0" * 64))
    with pytest.raises(HW2VError, match="does not match the expected"):
        dl.download("text8", str(tmp_path))
    assert not os.listdir(tmp_path)


def test_wrong_size_and_http_errors_are_one_line(tmp_path, monkeypatch, server):
    monkeypatch.setitem(dl.SOURCES, "text8", dl.Source(server + "/text8.zip", "text8.zip", size=5))
    r = CliRunner().invoke(main, ["download", "text8", "--dest", str(tmp_path), "-q"])
    assert r.exit_code == 1 and r.output.startswith("Error: text8.zip: expected 5 bytes")
    r = CliRunner().invoke(main, ["download", "wikitext-2", "--dest", str(tmp_path), "-q", "--url",
                                  server + "/missing.zip"])
    assert r.exit_code == 1 and "HTTP 404" in r.output and len(r.output.strip().splitlines()) == 1
    r = CliRunner().invoke(main, ["download", "text8", "--dest", str(tmp_path), "-q", "--url",
                                  "http://127.0.0.1:9/nothing.zip"])
    assert r.exit_code == 1 and "run the command again to resume" in r.output
