"""A static server like a production host: gzip for text types and cache headers (AUDIT_SERVER=host).

    python scripts/tools/audit/serve.py DIRECTORY PORT

`python -m http.server` (what `make serve` uses, and the audit's default) sends neither, so
Lighthouse charges the site for ~1 MB of uncompressed CSS, JavaScript and search index.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import sys

COMPRESS = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".csv", ".map", ".jsonld")


class Handler(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        path = self.translate_path(self.path)
        if self.path.split("?")[0].endswith("/"):
            path = path.rstrip("/") + "/index.html"
        if not path.endswith(COMPRESS) or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        try:
            with open(path, "rb") as fh:
                body = gzip.compress(fh.read(), 6, mtime=0)
        except OSError:
            return super().send_head()
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache" if path.endswith(".html") else "public, max-age=86400")
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, *args):
        pass


def main() -> None:
    directory, port = sys.argv[1], int(sys.argv[2])
    handler = functools.partial(Handler, directory=directory)
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
