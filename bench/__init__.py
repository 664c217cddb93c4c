"""City-scale benchmarks (issue 9): `python -m bench --help`.

`bench.generate` fills a PostgreSQL database with deterministic synthetic data; the scenario
modules measure the app through gunicorn (driven by wrk) or its services in-process, each read
beside the hand-written SQL that returns the same rows; `bench.report` writes
docs/benchmarks.md and docs/benchmarks.json.
"""
