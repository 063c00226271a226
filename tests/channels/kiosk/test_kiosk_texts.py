"""The kiosk's own strings exist in every language, translated, with the same blanks."""

from __future__ import annotations

import re
from dataclasses import asdict, fields

import pytest

from app.channels.kiosk.texts import TEXTS, KioskTexts
from app.surveys.wording import SUPPORTED_LOCALES

NAMES = [field.name for field in fields(KioskTexts)]


def test_there_are_texts_for_exactly_the_supported_languages() -> None:
    assert set(TEXTS) == set(SUPPORTED_LOCALES)


@pytest.mark.parametrize("locale", ["pl", "et"])
@pytest.mark.parametrize("name", NAMES)
def test_each_string_is_translated_with_the_same_placeholders(locale: str, name: str) -> None:
    english = asdict(TEXTS["en"])[name]
    translated = asdict(TEXTS[locale])[name]

    assert translated.strip()
    assert translated != english
    assert re.findall(r"\{\w+\}", translated) == re.findall(r"\{\w+\}", english)


def test_the_script_gets_only_what_it_shows() -> None:
    for texts in TEXTS.values():
        assert set(texts.for_script()) == {
            "pending",
            "all_sent",
            "set_aside",
            "key_refused",
            "storage_lost",
            "key_wrong_kind",
            "setup_title",
            "setup_location",
            "setup_field",
            "setup_key_refused",
            "setup_kept",
        }
