"""`make serve` / `portal serve`: the built site served as a static host serves it."""

from __future__ import annotations

import gzip
import http.client
import threading

import pytest

from scripts.portal import cli
from scripts.portal.serve import server

CSS = ("body{color:#333}" * 200).encode()          # 3,400 bytes: compressed
SMALL = b"tiny"                                     # under MIN_SIZE: as it is
PAGE = ("<!doctype html><title>数据</title>" + "<p>辽宁</p>" * 300).encode()


@pytest.fixture()
def site(tmp_path):
    (tmp_path / "index.html").write_bytes(PAGE)
    (tmp_path / "404.html").write_bytes("<title>页面不存在</title>".encode())
    (tmp_path / "datasets" / "a").mkdir(parents=True)
    (tmp_path / "datasets" / "a" / "index.html").write_bytes(PAGE)
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "main.css").write_bytes(CSS)
    (tmp_path / "assets" / "small.js").write_bytes(SMALL)
    (tmp_path / "assets" / "chart.png").write_bytes(b"\x89PNG" + bytes(4000))
    (tmp_path.parent / "secret.txt").write_text("outside the site")
    httpd = server(tmp_path, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def get(port, path, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def test_text_files_are_gzipped_when_the_browser_accepts_it(site):
    _, port = site
    resp, body = get(port, "/assets/main.css", **{"Accept-Encoding": "gzip, deflate, br"})
    assert resp.status == 200
    assert resp.getheader("Content-Encoding") == "gzip"
    assert resp.getheader("Vary") == "Accept-Encoding"
    assert resp.getheader("Content-Type") == "text/css"
    assert int(resp.getheader("Content-Length")) == len(body) < len(CSS) / 5
    assert gzip.decompress(body) == CSS
    assert resp.getheader("Cache-Control") == "no-cache" and resp.getheader("Last-Modified")


def test_pages_by_folder_are_their_index_compressed(site):
    _, port = site
    resp, body = get(port, "/datasets/a/", **{"Accept-Encoding": "gzip"})
    assert resp.status == 200 and gzip.decompress(body) == PAGE
    assert resp.getheader("Content-Type").startswith("text/html")
    resp, _ = get(port, "/datasets/a", **{"Accept-Encoding": "gzip"})
    assert resp.status == 301 and resp.getheader("Location") == "/datasets/a/"


def test_without_accept_encoding_small_or_binary_files_are_sent_as_they_are(site):
    _, port = site
    resp, body = get(port, "/assets/main.css")
    assert resp.getheader("Content-Encoding") is None and body == CSS
    resp, body = get(port, "/assets/small.js", **{"Accept-Encoding": "gzip"})
    assert resp.getheader("Content-Encoding") is None and body == SMALL
    resp, body = get(port, "/assets/chart.png", **{"Accept-Encoding": "gzip"})
    assert resp.getheader("Content-Encoding") is None and body.startswith(b"\x89PNG")


def test_unchanged_file_is_answered_not_modified(site):
    _, port = site
    first, _ = get(port, "/assets/main.css", **{"Accept-Encoding": "gzip"})
    again, body = get(port, "/assets/main.css", **{"Accept-Encoding": "gzip",
                                                   "If-Modified-Since": first.getheader("Last-Modified")})
    assert again.status == 304 and body == b""


def test_a_rebuilt_file_is_served_fresh_not_from_the_compressed_copy(site):
    root, port = site
    get(port, "/assets/main.css", **{"Accept-Encoding": "gzip"})
    new = CSS.replace(b"#333", b"#000")
    path = root / "assets" / "main.css"
    path.write_bytes(new)
    import os
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    _, body = get(port, "/assets/main.css", **{"Accept-Encoding": "gzip"})
    assert gzip.decompress(body) == new


def test_missing_page_gets_the_sites_404_page_and_status(site):
    _, port = site
    resp, body = get(port, "/datasets/nope/", **{"Accept-Encoding": "gzip"})
    assert resp.status == 404
    assert "页面不存在" in body.decode("utf-8")


def test_paths_cannot_leave_the_site(site):
    _, port = site
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"):
        resp, body = get(port, path)
        assert resp.status == 404 and b"outside the site" not in body


def test_cli_refuses_a_folder_without_a_built_site(tmp_path, capsys):
    assert cli.main(["serve", "--site", str(tmp_path), "--port", "0"]) == 1
    assert "no built site here" in capsys.readouterr().err


# ---------------------------------------------------------------- issue 23, 8: symlinks, slow and many clients

def test_a_symlink_inside_the_site_is_never_followed(site, tmp_path_factory):
    root, port = site
    outside = tmp_path_factory.mktemp("outside")
    (outside / "passwd").write_text("root:x:0:0:secret")
    (root / "leak.txt").symlink_to(outside / "passwd")
    (root / "assets" / "linked").symlink_to(outside, target_is_directory=True)
    (root / "same.css").symlink_to(root / "assets" / "main.css")  # even one pointing inside
    for path in ("/leak.txt", "/assets/linked/passwd", "/same.css"):
        resp, body = get(port, path, **{"Accept-Encoding": "gzip"})
        assert resp.status == 404 and b"secret" not in body and b"color" not in body, path


def raw_socket(port):
    import socket

    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")  # never finished
    return s


def test_a_half_sent_request_is_closed_after_the_timeout(site, monkeypatch):
    import time

    from scripts.portal import serve

    assert serve.Handler.timeout == serve.TIMEOUT and 0 < serve.TIMEOUT <= 30  # the default, shortened here
    monkeypatch.setattr(serve.Handler, "timeout", 1)
    _, port = site
    s = raw_socket(port)
    started = time.perf_counter()
    try:
        assert s.recv(100) == b""  # the server closed it
    finally:
        s.close()
    assert time.perf_counter() - started < 5


def test_connections_are_bounded_and_the_rest_get_503_without_a_thread(site, monkeypatch):
    import time

    from scripts.portal import serve

    monkeypatch.setattr(serve.Handler, "timeout", 5)
    _, port = site
    before = threading.active_count()
    started = time.perf_counter()
    held = [raw_socket(port) for _ in range(serve.MAX_CONNECTIONS + 100)]
    try:
        time.sleep(0.5)
        assert time.perf_counter() - started < 4  # all still held
        assert threading.active_count() - before <= serve.MAX_CONNECTIONS
        resp, _ = get(port, "/index.html")
        assert resp.status == 503
        busy = held[-1].recv(200)
        assert busy.startswith(b"HTTP/1.0 503")
    finally:
        for s in held:
            s.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the held ones time out; the server answers again
        resp, body = get(port, "/index.html")
        if resp.status == 200:
            break
        time.sleep(0.3)
    assert resp.status == 200 and body == PAGE
