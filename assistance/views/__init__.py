"""Pages of the assistance app (zh-hans). Split by subject:

* `households` — search, create, edit, the household page (history, explanation, ledger),
  unmasking, applications started from a household, warnings, visits, ending assistance;
* `procedure`  — the application page (review, offer, consent, switch, publicity, objections,
  confirmation, temporary aid), warnings and referrals;
* `pages`      — the township worklist, county dashboard, standards admin, re-screening,
  payment lists, import/export and the printable village publicity list.
"""

from .common import worklist_panel

__all__ = ["worklist_panel"]
