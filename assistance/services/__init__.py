"""Every write of the assistance app. Split by subdomain:

* `standards`    — the local standards in force, admin edits (new rule-set versions);
* `households`   — households, persons, members, history, ID unmasking, classification;
* `applications` — one application reviewed tier by tier, publicity, objections, confirmation;
* `monitoring`   — warnings, visits, referrals, escalation, periodic review, ending assistance;
* `ledger`       — aid records and monthly payment lists;
* `rescreen`     — re-running the classifier over households after a standard or data change;
* `importing`    — XLSX import of households with an error file.
"""
