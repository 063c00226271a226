"""docs/email-links.md quotes what the pages, the email block and the logs really say."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import astuple
from pathlib import Path

from app.channels.email.block import email_text
from app.channels.email.schemas import ScoreLink
from app.channels.email.texts import TEXTS, texts_for
from app.surveys.wording import SUPPORTED_LOCALES, default_wording

FENCED = re.compile(r"```.*?```", re.DOTALL)
CODE_SPAN = re.compile(r"`[^`]*`")
PROSE_QUOTE = re.compile(r'"([^"]+)"')
# Quotation marks the page uses for a word, not for a text of the product.
NOT_QUOTATIONS = {"answers"}
PLACEHOLDERS = {"%s": r".+?", "%d": r"\d+", "%.0f": r"\d+", "%.1f": r"\d+\.\d"}


def doc(repo_root: Path) -> str:
    return (repo_root / "docs" / "email-links.md").read_text()


def product_texts() -> set[str]:
    """Every text a customer can read on the pages or in the email, in every language."""
    found: set[str] = set()
    for locale in SUPPORTED_LOCALES:
        found.update(str(text) for text in astuple(TEXTS[locale]))
        wording = default_wording("nps", locale)
        found.update((wording.question, wording.followup, wording.thanks))
        found.update((f"0 – {wording.low_label}", f"10 – {wording.high_label}"))
    return found


def test_every_text_quoted_in_the_prose_is_one_the_customer_can_read(repo_root: Path) -> None:
    prose = CODE_SPAN.sub("", FENCED.sub("", doc(repo_root)))
    quoted = set(PROSE_QUOTE.findall(prose)) - NOT_QUOTATIONS

    assert quoted, "the page quotes the texts customers see"
    assert quoted - product_texts() == set()


def test_the_text_part_of_the_example_is_the_real_polish_text(repo_root: Path) -> None:
    [example] = re.findall(r'"text": ("(?:[^"\\]|\\.)*")', doc(repo_root))
    documented = [line for line in json.loads(example).split("\n") if line != "…"]
    links = [ScoreLink(score=s, url=f"https://x.example/r/t/{s}") for s in range(11)]
    real = email_text(default_wording("nps", "pl"), texts_for("pl"), links)
    real_lines = [re.sub(r"https://\S+/(\d+)$", r"https://…/\1", line) for line in real.split("\n")]

    remaining = iter(real_lines)
    assert all(line in remaining for line in documented), (documented, real_lines)
    assert (documented[0], documented[-2:]) == (real_lines[0], real_lines[-2:])


def _log_calls(package: Path, module: str = "*") -> list[tuple[str, str]]:
    """(LEVEL, format) of every ``logger.<level>("…", …)`` in the package's modules."""
    calls = []
    for source in sorted(package.glob(f"{module}.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "logger"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                calls.append((node.func.attr.upper(), str(node.args[0].value)))
    return calls


def test_every_log_line_of_the_email_pages_is_quoted_with_its_level_and_logger(
    repo_root: Path,
) -> None:
    # The email pages' own lines, and the outage lines every route shares with them.
    calls = [("email", *call) for call in _log_calls(repo_root / "app" / "channels" / "email")]
    calls += [("outage", *call) for call in _log_calls(repo_root / "app", "outages")]
    text = doc(repo_root)

    assert len(calls) >= 3  # the scanner burst, the outage's start and its end
    for logger_name, level, message in calls:
        pattern = re.escape(message)
        for placeholder, value in PLACEHOLDERS.items():
            pattern = pattern.replace(re.escape(placeholder), value)
        line = re.compile(rf"{level} touchpoint\.{logger_name} {pattern}")
        assert line.search(text), f"docs/email-links.md does not quote: {level} {message}"
