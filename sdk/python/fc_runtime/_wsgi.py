"""HTTP functions as FC's Python runtime serves them: a WSGI application (PEP 3333)."""

# Werkzeug encodes host names with the `idna` codec, which the standard library loads
# on first use: a component holds only the modules imported while it is built.
import encodings.idna  # noqa: F401
import io
import sys
from typing import Any, Callable, Iterable, List, Optional, Tuple
from urllib.parse import unquote_to_bytes

from wit_world.exports.http_handler import Request, Response

from ._context import Context

Headers = List[Tuple[str, str]]


class BadResponse(Exception):
    """The application broke the WSGI protocol (no ``start_response``, a bad status)."""


def parse_headers(block: bytes) -> Headers:
    """The ``name: value`` lines of a header block, in order."""
    headers = []
    for line in block.decode("latin-1").split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return headers


def header_block(headers: Headers) -> bytes:
    """``headers`` as one ``name: value\\n`` block; CR and LF in a value are refused."""
    lines = []
    for name, value in headers:
        if any(c in str(name) + str(value) for c in "\r\n"):
            raise BadResponse(f"header {name!r} has a line break")
        lines.append(f"{name}: {value}\n")
    return "".join(lines).encode("latin-1")


def environ_for(request: Request, context: Context) -> dict:
    """The WSGI environ of ``request``, with FC's ``fc.context`` and ``fc.request_uri``."""
    path, _, query = request.target.partition("?")
    environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "9000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": request.client_ip,
        "CONTENT_LENGTH": str(len(request.body)),
        "HTTP_X_FC_REQUEST_ID": context.request_id,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "fc.context": context,
        "fc.request_uri": request.target,
    }
    for name, value in parse_headers(request.headers):
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


class _Started:
    """What the application passed to ``start_response``, and what it wrote early."""

    def __init__(self) -> None:
        self.status: Optional[str] = None
        self.headers: Headers = []
        self.written: List[bytes] = []

    def start_response(self, status: str, headers: Headers, exc_info: Any = None) -> Callable:
        if exc_info is not None and self.status is not None:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = status
        self.headers = list(headers)
        return self.written.append


def status_code(status: Optional[str]) -> int:
    """The number of a WSGI status line such as ``"200 OK"``."""
    if status is None:
        raise BadResponse("the application returned without calling start_response")
    code = status.split(" ", 1)[0]
    if not (len(code) == 3 and code.isdigit()):
        raise BadResponse(f"bad WSGI status {status!r}")
    return int(code)


def serve(app: Callable, request: Request, context: Context) -> Response:
    """Runs the WSGI ``app`` on ``request`` and collects its whole response."""
    started = _Started()
    chunks: Iterable[bytes] = app(environ_for(request, context), started.start_response)
    try:
        body = b"".join(started.written) + b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return Response(
        status=status_code(started.status),
        headers=header_block(started.headers),
        body=body,
    )
