"""Personal data never reaches the logs in clear: a logging filter on every handler masks
resident ID numbers (18 characters) and mainland mobile numbers (11 digits) in the final message
— also in the text of exceptions, e.g. PostgreSQL's `Key (id_number)=(…) already exists`.
Same shapes as the pages: 411702********123X, 139****5678."""

from __future__ import annotations

import logging
import re

# 18-character resident ID (6-digit region, 8-digit birth date 19xx/20xx, 3 digits, check digit)
_ID = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{5})((?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx])(?![0-9A-Za-z])"
)
# mainland mobile number, optionally +86
_MOBILE = re.compile(r"(?<!\d)((?:\+?86)?1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    text = _ID.sub(lambda m: m.group(1) + "*" * 8 + m.group(2)[-4:], text)
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


class MaskPersonalData(logging.Filter):
    """Rewrites the record's message (arguments merged) and its exception text, masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True
