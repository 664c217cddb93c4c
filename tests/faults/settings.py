"""Settings of the child processes of the fault tests: the test settings, with SMS and e-mail
written to files (FAULTS_OUTBOX_DIR) so that the test can count what was really sent, across
processes and restarts."""

import os

from portal.settings_test import *  # noqa: F403

SMS_BACKEND = "tests.faults.settings.FileSMSBackend"
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("FAULTS_OUTBOX_DIR", "/nonexistent-faults-outbox")


class FileSMSBackend:
    """One line per SMS sent: `to<TAB>body`."""

    def send(self, to: str, body: str) -> None:
        path = os.path.join(EMAIL_FILE_PATH, "sms.txt")
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{to}\t{body}\n")
