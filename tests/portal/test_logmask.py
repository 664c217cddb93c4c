"""Logs never hold ID or mobile numbers in clear (the console handler's filter), including
the text of an exception."""

import logging

from portal.logmask import MaskPersonalData, mask_text


def test_mask_text_masks_ids_and_mobiles_and_leaves_other_numbers():
    text = "身份证 41170219800101123X 手机 13912345678 +8613812345678 工单 20241105000123 金额 1000000.00"
    assert mask_text(text) == (
        "身份证 411702********123X 手机 139****5678 +86138****5678 工单 20241105000123 金额 1000000.00"
    )


def _record(msg, args=(), exc_info=None):
    return logging.LogRecord("portal.test", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_the_filter_masks_arguments_and_exception_text():
    try:
        raise ValueError(
            "duplicate key value violates unique constraint DETAIL: Key (id_number)=(411702198001011234)"
        )
    except ValueError:
        import sys

        record = _record("call from %s about %s", ("13912345678", "噪音"), sys.exc_info())
    assert MaskPersonalData().filter(record) is True
    line = logging.Formatter("%(message)s").format(record)
    assert "13912345678" not in line and "139****5678" in line and "噪音" in line
    assert "411702198001011234" not in line and "411702********1234" in line


def test_the_console_handler_of_the_settings_masks():
    from django.conf import settings

    console = settings.LOGGING["handlers"]["console"]
    assert "mask_personal_data" in console["filters"]
    assert settings.LOGGING["filters"]["mask_personal_data"]["()"] == "portal.logmask.MaskPersonalData"
