"""An exception becomes FC's error response: its class and its traceback."""

import re
import traceback
from typing import List

from componentize_py_types import Err
from wit_world.imports.types import Error

_SDK_DIR = __file__.rsplit("/", 1)[0]
# componentize-py mounts each bundled folder at `/<n>/`: name files relative to it.
_BUNDLE_ROOT = re.compile(r"^/\d+/")


def frames(exc: BaseException) -> List[str]:
    """The traceback's frames outside this SDK, outermost first."""
    return [
        f'File "{_BUNDLE_ROOT.sub("", frame.filename)}", line {frame.lineno}, in {frame.name}'
        + (f": {frame.line}" if frame.line else "")
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(_SDK_DIR)
    ]


def as_err(exc: BaseException) -> Err:
    """FC's error for ``exc``: ``errorType`` is the class, ``stackTrace`` the frames."""
    message = str(exc) or type(exc).__name__
    return Err(Error(message=message, error_type=type(exc).__name__, stack_trace=frames(exc)))


def message(text: str, error_type: str) -> Err:
    """FC's error with ``text``, for failures the SDK itself finds."""
    return Err(Error(message=text, error_type=error_type, stack_trace=None))
