"""``logging`` writes FC log records: the host adds the time and the request id."""

import logging

from wit_world.imports import log as _host_log

_LEVELS = (
    (logging.ERROR, _host_log.Level.ERROR),
    (logging.WARNING, _host_log.Level.WARN),
    (logging.INFO, _host_log.Level.INFO),
    (logging.DEBUG, _host_log.Level.DEBUG),
)


def _host_level(levelno: int) -> "_host_log.Level":
    for threshold, level in _LEVELS:
        if levelno >= threshold:
            return level
    return _host_log.Level.TRACE


class FcLogHandler(logging.Handler):
    """Sends each record to the host, which writes it as FC log lines."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _host_log.log(_host_level(record.levelno), self.format(record))
        except Exception:  # a record must never fail the call
            self.handleError(record)


def install() -> None:
    """Makes the root logger write FC records at INFO and above, as on FC."""
    root = logging.getLogger()
    if not any(isinstance(h, FcLogHandler) for h in root.handlers):
        root.addHandler(FcLogHandler())
    root.setLevel(logging.INFO)
