"""Serve the built site locally as a static host would (`make serve`, `portal serve`).

`python -m http.server` sends every file uncompressed and answers a missing page with its own
error text. A static host (GitHub Pages, Netlify, Cloudflare Pages) compresses text files
and serves the site's 404.html, and readers on phones and slow links see the site as the host
serves it: about 250 KB of theme CSS and JavaScript become about 60 KB. This server does the
same, so that what a maintainer previews, and what `make audit` measures, is what readers get:

- gzip for text files when the browser accepts it (with `Vary: Accept-Encoding`);
- `Cache-Control: no-cache` and `Last-Modified` (a rebuilt file is never served stale; an
  unchanged one is answered 304);
- the site's 404.html, with status 404, for a path that is not there.

It binds to 127.0.0.1 by default: it is a preview server, not a production one. Still, it
holds out against what a page or a neighbour could send: a request must arrive within
TIMEOUT seconds (a half-sent one once held its thread forever), at most MAX_CONNECTIONS are
served at once (the next ones get 503 at once, no new thread), and a symbolic link inside the
site is never followed (404), wherever it points.
"""

from __future__ import annotations

import email.utils
import functools
import gzip
import http.server
import io
import os
import sys
import threading

COMPRESS = (".html", ".css", ".js", ".json", ".jsonld", ".svg", ".xml", ".txt", ".csv", ".md", ".map")
MIN_SIZE = 1024   # smaller files are sent as they are (gzip would not make them faster)
TIMEOUT = 10      # seconds a connection may take to send its request (and to take each piece of the answer)
MAX_CONNECTIONS = 32
BUSY = b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"


class Handler(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler (paths stay inside the directory; a folder without its slash
    is redirected) plus compression, revalidation headers and the site's 404 page."""

    _gzipped: dict = {}           # path -> ((mtime, size), compressed bytes), shared by the threads
    _lock = threading.Lock()
    timeout = TIMEOUT             # socketserver.StreamRequestHandler: a timeout on the connection

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def translate_path(self, path):
        """The file for `path`, or a name that does not exist when any part of it below the site
        folder is a symbolic link (never followed: it could lead anywhere on this machine)."""
        found = super().translate_path(path)
        root = os.path.abspath(self.directory)
        rel = os.path.relpath(os.path.abspath(found), root)
        here = root
        for part in [] if rel == "." else rel.split(os.sep):
            here = os.path.join(here, part)
            if os.path.islink(here):
                return os.path.join(root, "\0symlink")
        return found

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            if not self.path.split("?", 1)[0].split("#", 1)[0].endswith("/"):
                return super().send_head()  # the redirect to the folder's slash
            path = os.path.join(path, "index.html")
        if not os.path.isfile(path):
            return self.not_found()
        if not path.endswith(COMPRESS) or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        stat = os.stat(path)
        if stat.st_size < MIN_SIZE:
            return super().send_head()
        if self.not_modified(stat.st_mtime):
            self.send_response(304)
            self.end_headers()
            return None
        body = self.compressed(path, stat)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(stat.st_mtime))
        self.end_headers()
        return io.BytesIO(body)

    def not_modified(self, mtime: float) -> bool:
        since = self.headers.get("If-Modified-Since")
        if not since or self.headers.get("If-None-Match"):
            return False
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return when is not None and int(mtime) <= when.timestamp()

    def compressed(self, path: str, stat) -> bytes:
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            kept = self._gzipped.get(path)
        if kept and kept[0] == stamp:
            return kept[1]
        with open(path, "rb") as fh:
            body = gzip.compress(fh.read(), 6, mtime=0)
        with self._lock:
            self._gzipped[path] = (stamp, body)
        return body

    def not_found(self):
        page = os.path.join(self.directory, "404.html")
        if not os.path.isfile(page) or os.path.islink(page):
            self.send_error(404, "File not found")
            return None
        with open(page, "rb") as fh:
            body = fh.read()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if os.environ.get("PORTAL_SERVE_LOG"):
            super().log_message(format, *args)


class Server(http.server.ThreadingHTTPServer):
    """One thread per connection, at most MAX_CONNECTIONS at once: the next are answered 503
    and closed by the accepting thread itself."""

    request_queue_size = 128      # listen backlog (socketserver's 5 stalls clients before they reach the 503)

    def __init__(self, *args, **kwargs):
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            try:
                request.settimeout(1)
                request.sendall(BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away (a closed tab, a dropped half-sent request): no traceback
        super().handle_error(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def server(directory, port: int = 8000, bind: str = "127.0.0.1") -> Server:
    """A server for `directory` on bind:port (port 0: any free port); call serve_forever()."""
    handler = functools.partial(Handler, directory=str(directory))
    return Server((bind, port), handler)
