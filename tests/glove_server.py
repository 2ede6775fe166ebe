"""A local GloVe mirror for tests: serves a small glove.6B.zip (or glove.twitter.27B.zip) on
127.0.0.1 with HTTP Range."""

from __future__ import annotations

import http.server
import io
import threading
import zipfile

ROWS50 = "".join(
    f"w{i} " + " ".join(f"{(i + j) / 100:.2f}" for j in range(50)) + "\n" for i in range(40)
)
ROWS100 = "".join(f"w{i} " + " ".join(["0.5"] * 100) + "\n" for i in range(40))


# GloVe Twitter's vocabulary holds the specials its preprocessing wrote.
TWITTER_WORDS = ["<user>", "<url>", "<hashtag>", "<smile>", "<repeat>", "<allcaps>", "happy"]
ROWS25 = "".join(
    f"{w} " + " ".join(f"{(i + j) / 50:.2f}" for j in range(25)) + "\n"
    for i, w in enumerate(TWITTER_WORDS)
)


def make_zip(name: str = "6B") -> bytes:
    buf = io.BytesIO()
    # Stored (not deflated) so an interruption after N bytes lands inside the data.
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        if name == "twitter.27B":
            zf.writestr("glove.twitter.27B.25d.txt", ROWS25)
        else:
            zf.writestr("glove.6B.50d.txt", ROWS50)
            zf.writestr("glove.6B.100d.txt", ROWS100)
    return buf.getvalue()


class Server:
    """Serves /glove.<name>.zip with Range support; can cut the first response after N bytes."""

    def __init__(
        self,
        payload: bytes,
        cut_first_after: int | None = None,
        status: int = 200,
        stall_first_after: int | None = None,
        name: str = "6B",
    ):
        self.payload, self.cut, self.status = payload, cut_first_after, status
        self.path = f"/glove.{name}.zip"
        # Stall: send N bytes of the first response, then hold the connection open until
        # ``release`` is set (a client can be killed mid-transfer meanwhile).
        self.stall, self.release = stall_first_after, threading.Event()
        self.requests: list[dict] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append({"path": self.path, "range": self.headers.get("Range")})
                if outer.status != 200 or self.path != outer.path:
                    self.send_error(outer.status if outer.status != 200 else 404)
                    return
                start = 0
                if rng := self.headers.get("Range"):
                    start = int(rng.split("=")[1].split("-")[0])
                body = outer.payload[start:]
                self.send_response(206 if start else 200)
                if start:
                    size = len(outer.payload)
                    self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.stall is not None and len(outer.requests) == 1:
                    self.wfile.write(body[: outer.stall])
                    self.wfile.flush()
                    outer.release.wait(60)
                    self.close_connection = True
                    return
                if outer.cut is not None and len(outer.requests) == 1:
                    self.wfile.write(body[: outer.cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
