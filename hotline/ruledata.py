"""Default rule parameters shipped with the product (version 1 of each rule set), as plain data
so a reader can check them against the spec (`../shared/spec/hotline.md`) and the gazette text
(驻政办〔2024〕23号; 豫政办〔2024〕3号 for matters the city text leaves to the province).

Imported by the seeding data migration and by the golden-case tests.
"""

from datetime import date

# The city rules (驻政办〔2024〕23号) take effect on issue: 2024-08-01 (第二十五条).
VALID_FROM = date(2024, 8, 1)

TIME_LIMITS_KEY = "hotline.time_limits"
TIME_LIMITS = {
    # 豫政办〔2024〕3号 第四条 via 细则第四条: dispatch within 24 h of receipt when not answered directly.
    "dispatch_hours": 24,
    # Sign-for within 24 h of dispatch; non-working days postpone it.
    "sign_hours": 24,
    "sign_postponed_by_non_working_days": True,
    # Handling limits in working days by kind; praise has none (forwarded for information, closed).
    "handling_working_days": {
        "consultation": 3,
        "help": 5,
        "opinion": 5,
        "suggestion": 5,
        "complaint": 10,
        "report": 10,
        "praise": None,
    },
    # Overrides (laws, ministries, the provincial platform): {channel: {kind: days}} and
    # {subject code: days}. A subject override wins over a channel override.
    "channel_overrides": {},
    "subject_overrides": {},
    # Assisting units: their own deadline, this share of the lead's limit (rounded up, ≥ 1 day).
    "assist_share": "0.5",
    # An upper bound on the working days one extension may add (null: no bound).
    "max_extension_days": None,
    # 第十四条: mass outages of water/power/gas/heat and pollution.
    "special": {
        "dispatch_hours": 2,
        "initial_feedback_hours": 1,
        "progress_every_hours": 24,
    },
}

KNOWLEDGE_KEY = "hotline.knowledge"
KNOWLEDGE = {
    # An entry is due for review this many months after its last review (flagged when past).
    "review_months": 12,
    # A knowledge question to a unit must be answered within these working days.
    "question_working_days": 5,
}

STANDARDS_KEY = "hotline.service_standards"
STANDARDS = {
    # GB/T 33358-2016 and 细则第十条.
    "connect_rate": "0.95",
    "answer_seconds": 15,
    "message_minutes": 3,
    "mailbox_hours": 24,
}

ANALYSIS_KEY = "hotline.analysis"
ANALYSIS = {
    # Requests about the same place and subject within this window are suggested as linked.
    "duplicate_window_hours": 72,
    # A spike: today's count for a category or place at least `spike_factor` × its daily mean of
    # the previous `spike_baseline_days` days, and at least `spike_min_count`.
    "spike_factor": "2.0",
    "spike_baseline_days": 28,
    "spike_min_count": 5,
    # Repeated complaints: at least this many complaints/reports at one address in the window.
    "repeat_address_min": 3,
    "repeat_address_days": 30,
    # Composite ranking score: weights of on-time completion, resolution, satisfaction.
    "ranking_weights": {"on_time": "0.4", "resolution": "0.3", "satisfaction": "0.3"},
}
