"""A log filter that keeps personal data out of log lines.

Request logs carry paths only (case URLs hold UUIDs, never names), and query strings can hold
search terms such as a child's name, so they are cut from every message.
"""

from __future__ import annotations

import logging
import re

QUERY_STRING = re.compile(r"\?[^\s\"']*")


class StripPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = QUERY_STRING.sub("?…", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
