"""One module per scenario family; each exposes `run(ctx) -> list[Result]`."""
