"""Python 3.11's ``SimpleHTTPRequestHandler`` on a lab machine's files.

One connection, one request (the server speaks HTTP/1.0): read the request
line and the headers, answer GET/HEAD from the served directory (a file, its
``index.html``, a directory listing, a 301 to add the missing ``/``, a 404),
anything else with 501, and log each answer on stderr as
``ADDR - - [DD/Mon/YYYY HH:MM:SS] "REQUEST LINE" CODE -``. Texts, headers and
their order are those of ``http.server``; ``Date`` and ``Last-Modified`` come
from the simulated clock and the time a file was written.
"""

from __future__ import annotations

import html
import mimetypes
import posixpath
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus

from ..lab.files import Filesystem
from .base import Io

SERVER_VERSION = "SimpleHTTP/0.6 Python/3.11.2"
PROTOCOL = "HTTP/1.0"
MAX_LINE = 65536
MAX_HEADERS = 100

ERROR_MESSAGE = """\
<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: %(code)d</p>
        <p>Message: %(message)s.</p>
        <p>Error code explanation: %(code)s - %(explain)s.</p>
    </body>
</html>
"""
ERROR_CONTENT_TYPE = "text/html;charset=utf-8"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# SimpleHTTPRequestHandler.extensions_map, then Debian's /etc/mime.types where it differs
# from the types Python knows by itself (mimetypes reads that file on Debian)
_EXTENSIONS = {
    ".gz": "application/gzip",
    ".Z": "application/octet-stream",
    ".bz2": "application/x-bzip2",
    ".xz": "application/x-xz",
}
_DEBIAN_TYPES = {
    ".js": "text/javascript",
    ".sh": "text/x-sh",
    ".c": "text/x-csrc",
    ".h": "text/x-chdr",
    ".md": "text/markdown",
    ".xml": "application/xml",
    ".iso": "application/x-iso9660-image",
    ".deb": "application/vnd.debian.binary-package",
    ".diff": "text/x-diff",
    ".patch": "text/x-diff",
    ".pem": "application/pem-certificate-chain",
    ".crt": "application/x-x509-ca-cert",
}
_BUILTIN_TYPES = mimetypes.MimeTypes()  # Python's own table, no files of this host


def guess_type(path: str) -> str:
    """``SimpleHTTPRequestHandler.guess_type``."""
    ext = posixpath.splitext(path)[1]
    for key in (ext, ext.lower()):
        if key in _EXTENSIONS:
            return _EXTENSIONS[key]
    if ext.lower() in _DEBIAN_TYPES:
        return _DEBIAN_TYPES[ext.lower()]
    return _BUILTIN_TYPES.guess_type(path)[0] or "application/octet-stream"


class Connection:
    """What the handler needs of the accepted socket: reading lines, sending bytes."""

    def __init__(self, recv: Callable[[int], bytes], sendall: Callable[[bytes], None]):
        self._recv = recv
        self.sendall = sendall
        self._buffer = b""
        self._eof = False

    def readline(self, limit: int) -> bytes:
        """``rfile.readline(limit)``: up to and including ``\\n``, at most ``limit`` bytes."""
        while b"\n" not in self._buffer and len(self._buffer) < limit and not self._eof:
            data = self._recv(65536)
            if not data:
                self._eof = True
            self._buffer += data
        end = self._buffer.find(b"\n")
        cut = min(limit, end + 1 if end >= 0 else len(self._buffer))
        line, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return line


@dataclass
class Handler:
    """One request of one client (``client`` as ``client_address[0]`` shows it)."""

    conn: Connection
    client: str
    directory: str  # absolute
    fs: Filesystem
    io: Io
    clock: Callable[[], float]  # wall clock, seconds since the epoch
    requestline: str = ""
    command: str | None = None
    path: str = ""
    request_version: str = "HTTP/0.9"
    headers: list[tuple[str, str]] = field(default_factory=list)
    _buffer: list[bytes] = field(default_factory=list)

    # -- BaseHTTPRequestHandler ------------------------------------------------------------

    def handle(self) -> None:
        raw = self.conn.readline(MAX_LINE + 1)
        if len(raw) > MAX_LINE:
            self.requestline = self.request_version = ""
            self.command = ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return
        if not raw or not self.parse_request(raw):
            return
        if self.command not in ("GET", "HEAD"):
            self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({self.command!r})")
            return
        self.do_get_or_head()

    def parse_request(self, raw: bytes) -> bool:
        self.requestline = raw.decode("iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            try:
                if not version.startswith("HTTP/"):
                    raise ValueError
                number = version.split("/", 1)[1].split(".")
                if len(number) != 2:
                    raise ValueError
                major, minor = int(number[0]), int(number[1])
            except (ValueError, IndexError):
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            if (major, minor) >= (2, 0):
                self.send_error(
                    HTTPStatus.HTTP_VERSION_NOT_SUPPORTED,
                    f"Invalid HTTP version ({version.split('/', 1)[1]})",
                )
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({self.requestline!r})")
            return False
        command, path = words[:2]
        if len(words) == 2 and command != "GET":
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({command!r})")
            return False
        self.command, self.path = command, path
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        return self._read_headers()

    def _read_headers(self) -> bool:
        """``http.client.parse_headers``: lines up to an empty one (HTTP/0.9 requests too)."""
        while True:
            line = self.conn.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                self.send_error(
                    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long", "header line"
                )
                return False
            if line in (b"\r\n", b"\n", b""):
                return True
            name, _, value = line.decode("iso-8859-1").partition(":")
            self.headers.append((name.strip(), value.strip()))
            if len(self.headers) > MAX_HEADERS:
                self.send_error(
                    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "Too many headers",
                    f"got more than {MAX_HEADERS} headers",
                )
                return False

    def send_error(self, code: HTTPStatus, message: str | None = None, explain: str = "") -> None:
        message = code.phrase if message is None else message
        explain = explain or code.description
        self.log_message(f"code {code.value}, message {message}")
        self.send_response(code, message)
        self.send_header("Connection", "close")
        body = b""
        if code >= 200 and code not in (204, 205, 304):
            content = ERROR_MESSAGE % {
                "code": code.value,
                "message": html.escape(message, quote=False),
                "explain": html.escape(explain, quote=False),
            }
            body = content.encode("UTF-8", "replace")
            self.send_header("Content-Type", ERROR_CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.conn.sendall(body)

    def send_response(self, code: HTTPStatus, message: str | None = None) -> None:
        self.log_message(f'"{self.requestline}" {code.value} -')
        if self.request_version != "HTTP/0.9":
            phrase = code.phrase if message is None else message
            self._buffer.append(f"{PROTOCOL} {code.value} {phrase}\r\n".encode("latin-1"))
        self.send_header("Server", SERVER_VERSION)
        self.send_header("Date", formatdate(self.clock(), usegmt=True))

    def send_header(self, keyword: str, value: str) -> None:
        if self.request_version != "HTTP/0.9":
            self._buffer.append(f"{keyword}: {value}\r\n".encode("latin-1"))

    def end_headers(self) -> None:
        if self.request_version != "HTTP/0.9":
            self._buffer.append(b"\r\n")
            self.conn.sendall(b"".join(self._buffer))
            self._buffer = []

    def log_message(self, message: str) -> None:
        """stderr, one line at a time; control characters escaped as http.server does."""
        tm = time.gmtime(self.clock())  # the machines' time zone is UTC
        when = (
            f"{tm.tm_mday:02d}/{MONTHS[tm.tm_mon - 1]}/{tm.tm_year:04d} "
            f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}"
        )
        self.io.err(f"{self.client} - - [{when}] {_escape_controls(message)}\n")

    # -- SimpleHTTPRequestHandler ----------------------------------------------------------

    def do_get_or_head(self) -> None:
        body = self.send_head()
        if body is not None and self.command == "GET" and body:
            self.conn.sendall(body)

    def send_head(self) -> bytes | None:
        path = self.translate_path(self.path)
        fs = self.fs
        if fs.is_dir(path.rstrip("/") or "/"):
            parts = urllib.parse.urlsplit(self.path)
            if not parts.path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                new_parts = (parts[0], parts[1], parts[2] + "/", parts[3], parts[4])
                self.send_header("Location", urllib.parse.urlunsplit(new_parts))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            for index in ("index.html", "index.htm"):
                candidate = posixpath.join(path, index)
                if fs.is_file(candidate):
                    path = candidate
                    break
            else:
                return self.list_directory(path)
        ctype = guess_type(path)
        if path.endswith("/") or not fs.is_file(path):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        data = fs.read(path).encode("utf-8", "surrogateescape")
        mtime = fs.mtime(path)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header(
            "Last-Modified", formatdate(self.clock() if mtime is None else mtime, usegmt=True)
        )
        self.end_headers()
        return data

    def list_directory(self, path: str) -> bytes | None:
        try:
            names = self.fs.listdir(path.rstrip("/") or "/")
        except Exception:
            self.send_error(HTTPStatus.NOT_FOUND, "No permission to list directory")
            return None
        names.sort(key=lambda a: a.lower())
        display = html.escape(urllib.parse.unquote(self.path, errors="surrogatepass"), quote=False)
        title = f"Directory listing for {display}"
        lines = [
            "<!DOCTYPE HTML>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{title}</title>\n</head>",
            f"<body>\n<h1>{title}</h1>",
            "<hr>\n<ul>",
        ]
        for name in names:
            display_name = link = name
            if self.fs.is_dir(posixpath.join(path, name)):
                display_name = link = name + "/"
            lines.append(
                '<li><a href="{}">{}</a></li>'.format(
                    urllib.parse.quote(link, errors="surrogatepass"),
                    html.escape(display_name, quote=False),
                )
            )
        lines.append("</ul>\n<hr>\n</body>\n</html>\n")
        encoded = "\n".join(lines).encode("utf-8", "surrogateescape")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        return encoded

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0].split("#", 1)[0]
        trailing_slash = path.rstrip().endswith("/")
        try:
            path = urllib.parse.unquote(path, errors="surrogatepass")
        except UnicodeDecodeError:
            path = urllib.parse.unquote(path)
        words = [w for w in posixpath.normpath(path).split("/") if w]
        result = self.directory
        for word in words:
            if posixpath.dirname(word) or word in (".", ".."):
                continue
            result = posixpath.join(result, word)
        return result + "/" if trailing_slash else result


_CONTROL = {c: rf"\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL[ord("\\")] = r"\\"


def _escape_controls(text: str) -> str:
    return text.translate(_CONTROL)
