"""The component's exports: each platform call reaches the user's module here."""

import importlib
import json
from typing import Any, Callable, Optional

from . import _errors, _logs, _wsgi
from ._context import Context

class _Entry:
    """The user's functions, named ``module.attribute`` as in FC's handler setting."""

    def __init__(self) -> None:
        self.handler = "index.handler"
        self.initializer = "index.initialize"
        self.pre_stop = "index.pre_stop"

    def resolve(self, name: str, required: bool) -> Optional[Callable]:
        module_name, _, attribute = name.rpartition(".")
        if not module_name:
            raise ValueError(f"handler {name!r} is not `module.function`")
        module = importlib.import_module(module_name)
        found = getattr(module, attribute, None)
        if found is None and required:
            raise AttributeError(f"module {module_name!r} has no {attribute!r}")
        return found


_entry = _Entry()


def configure(handler: str, initializer: str, pre_stop: str) -> None:
    """Names the entry points, and imports the handler's module.

    ``fcwasm build`` calls this while it builds the component: the modules imported
    now are in its snapshot, and their import costs nothing at cold start (the others
    import at call time from ``handler.files``). So the module must import at build
    time.
    """
    _entry.handler, _entry.initializer, _entry.pre_stop = handler, initializer, pre_stop
    _logs.install()
    try:
        _entry.resolve(handler, required=True)
    except Exception as exc:
        raise RuntimeError(
            f"importing the handler `{handler}` failed while building: {exc!r}. "
            + _build_advice(exc)
        ) from exc


def _build_advice(exc: Exception) -> str:
    """What to do about a module that fails to import at build time."""
    if isinstance(exc, ImportError):
        return (
            "A module it imports is not there: a native extension module cannot run "
            "in WebAssembly (the build leaves those out and names each above), so use "
            "a pure-Python package instead; a package that is not installed goes in "
            "requirements.txt"
        )
    return (
        "Code at module level runs when the component is built, not on FC: read "
        "environment variables in `initialize` or in the handler"
    )


def _run(ctx: Any, call: Callable[[Context], Any]) -> Any:
    context = Context(ctx)
    try:
        return call(context)
    except _errors.Err:
        raise
    except BaseException as exc:  # every failure of the user's code is FC's error
        raise _errors.as_err(exc) from None
    finally:
        context._close()


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")


class EventHandler:
    """``POST /invoke``: ``handler(event, context)`` with the event as bytes."""

    def handle(self, ctx: Any, event: bytes) -> bytes:
        def call(context: Context) -> bytes:
            handler = _entry.resolve(_entry.handler, required=True)
            return _as_bytes(handler(event, context))

        return _run(ctx, call)


class HttpHandler:
    """HTTP-function calls: the handler is a WSGI application."""

    def handle(self, ctx: Any, request: Any) -> Any:
        def call(context: Context) -> Any:
            app = _entry.resolve(_entry.handler, required=True)
            return _wsgi.serve(app, request, context)

        return _run(ctx, call)


class Lifecycle:
    """``initialize(context)`` and ``pre_stop(context)``, when the module has them."""

    def initialize(self, ctx: Any) -> None:
        self._hook(ctx, _entry.initializer)

    def pre_stop(self, ctx: Any) -> None:
        self._hook(ctx, _entry.pre_stop)

    def pre_freeze(self, ctx: Any) -> None:
        """FC 2.0's PreFreeze; FC 3.0 never calls it. Runs ``pre_freeze`` if defined."""
        self._hook(ctx, _entry.handler.rpartition(".")[0] + ".pre_freeze")

    @staticmethod
    def _hook(ctx: Any, name: str) -> None:
        def call(context: Context) -> None:
            hook = _entry.resolve(name, required=False)
            if hook is not None:
                hook(context)

        _run(ctx, call)
