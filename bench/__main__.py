"""`python -m bench` (what `make bench` runs; BENCH_ARGS passes options).

python -m bench                       # generate at scale 1 if missing, run every scenario
python -m bench --scale 0.1           # the same at 10 % (its own database)
python -m bench generate --scale 0.1  # (re)generate only
python -m bench --only list,open311   # some scenarios only
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", default="run", choices=["run", "generate", "report"])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the default data size (default 1)"
    )
    parser.add_argument("--seed", type=int, default=None, help="generator seed")
    parser.add_argument(
        "--regenerate", action="store_true", help="generate again even if the database exists"
    )
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument(
        "--parts",
        default="",
        help="generate: only these families again (orders,deadlines,disaster,assistance,subsidies)",
    )
    parser.add_argument("--quick", action="store_true", help="short measurement windows (smoke test)")
    args = parser.parse_args(argv)

    from bench import db

    version = db.require_postgres()
    print(f"PostgreSQL {version} at {db.PG_SERVER}")
    if args.command == "report":
        from bench import report

        report.write()
        return 0
    from bench import generate

    name = db.db_name(args.scale)
    seed = args.seed if args.seed is not None else generate.DEFAULT_SEED
    if args.command == "generate" or args.regenerate or not db.exists(name):
        print(f"generating {name} (scale {args.scale}, seed {seed}) …")
        generate.generate(args.scale, seed, parts=[x for x in args.parts.split(",") if x] or None)
        if args.command == "generate":
            return 0
    from bench import runner

    runner.run(args.scale, only=[x for x in args.only.split(",") if x], quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
