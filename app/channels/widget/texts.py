"""The widget's own words (buttons and its landmark's name) in every supported language.

The question, its end labels, the follow-up prompt and the thanks are the survey's
(app/surveys): the widget asks for them when it opens, and falls back on the built-in
wording sent inside widget.js when that request fails.
"""

from __future__ import annotations

UI_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "region": "Feedback",
        "close": "Close",
        "send": "Send",
        "skip": "Skip",
    },
    "pl": {
        "region": "Twoja opinia",
        "close": "Zamknij",
        "send": "Wyślij",
        "skip": "Pomiń",
    },
    "et": {
        "region": "Tagasiside",
        "close": "Sulge",
        "send": "Saada",
        "skip": "Jäta vahele",
    },
}
