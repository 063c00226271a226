"""`touchpoint` (the console script) and `python -m app`: the command, loaded when it runs.

Each worker of `touchpoint serve --workers N` is a fresh interpreter (multiprocessing's
"spawn") that first imports again the module the command was started from, and only
then starts the thread that answers the supervisor's health pings. Were that module
app.cli, every worker would import SQLAlchemy, Alembic, Pydantic and the keys service
before it could answer: seconds on a busy machine, and uvicorn kills a worker that has
not answered in time (docs/performance.md, "Workers killed at startup"). So this
module imports nothing; tests/operations/test_serving.py keeps it that way.
"""

from __future__ import annotations


def main() -> None:
    from app.cli import main as command

    command()


if __name__ == "__main__":
    main()
