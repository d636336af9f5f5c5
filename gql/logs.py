"""`serve`'s log lines: every record, uvicorn's included, through one handler on stderr that adds
the running request's id (gql.request_id; `-` outside a request).

- text: `time level logger [request id] message`, then the traceback if any;
- json (python-json-logger): one object a line with `time`, `level`, `logger`, `message`,
  `request_id` and, for an exception, `exc_info` (the formatted traceback).
"""

from __future__ import annotations

import logging
from typing import Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from gql import request_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = ["levelname", "name", "message", "request_id"]
JSON_NAMES = {"levelname": "level", "name": "logger"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # A record may carry its own (gql.errors.log_error passes it), else the context's.
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.current() or "-"
        return True


def formatter(log_format: Literal["text", "json"]) -> logging.Formatter:
    if log_format == "json":
        # `time`: ISO 8601 in UTC. uvicorn's `color_message` (the message with ANSI colours)
        # is left out.
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields=JSON_NAMES,
            timestamp="time",
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )
    return logging.Formatter(TEXT_FORMAT)


def configure(log_format: Literal["text", "json"], level: str = "info") -> None:
    """The root logger writes every record once, through the one handler; uvicorn's loggers
    propagate to it when uvicorn is run with `log_config=None`."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
