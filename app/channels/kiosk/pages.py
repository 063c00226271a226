"""The kiosk page and the page that tells staff what is wrong with a kiosk address.

Rendered on the server, so the question paints before any script runs. Every value is
HTML-escaped; the configuration for kiosk.js travels in a JSON data block (not run as
script, so the Content-Security-Policy needs no inline-script exception).
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from pathlib import Path
from string import Template
from typing import Any

from app.channels.kiosk.assets import SERVICE_WORKER, Bundle
from app.channels.kiosk.config import ConfigRejected, KioskConfig
from app.channels.kiosk.texts import TEXTS
from app.surveys.wording import Wording

TEMPLATES = Path(__file__).parent / "templates"
EXAMPLE = "/kiosk?survey=store-feedback&metric=nps&location=store-12#key=tp_kk_…"


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def kiosk_page(config: KioskConfig, wording: Wording, assets: Bundle) -> str:
    texts = TEXTS[config.locale]
    title = f"{wording.brand} – {texts.title}" if wording.brand else texts.title
    brand = f'<p class="brand">{escape(wording.brand)}</p>\n' if wording.brand else ""
    return _template("page.html").substitute(
        lang=config.locale,
        title=escape(title),
        manifest=assets.url("manifest.webmanifest"),
        icon=assets.url("icon.svg"),
        css=assets.url("kiosk.css"),
        js=assets.url("kiosk.js"),
        brand=brand,
        question=escape(wording.question),
        size=len(config.scale),
        buttons="\n".join(_score_buttons(config, wording)),
        low_label=escape(wording.low_label),
        high_label=escape(wording.high_label),
        followup=escape(wording.followup),
        comment_hint=escape(texts.comment_hint),
        send=escape(texts.send),
        skip=escape(texts.skip),
        thanks=escape(wording.thanks),
        key_missing_title=escape(texts.key_missing_title),
        key_missing=escape(texts.key_missing),
        noscript=escape(texts.noscript),
        config=_json_block(_script_config(config, assets)),
    )


def _score_buttons(config: KioskConfig, wording: Wording) -> list[str]:
    scale = config.scale
    buttons = []
    for score in scale:
        # The ends say what they mean: "0 – Not at all likely" to a screen reader too.
        end = {scale[0]: wording.low_label, scale[-1]: wording.high_label}.get(score)
        name = f' aria-label="{score} – {escape(end)}"' if end else ""
        buttons.append(
            f'<button type="button" class="score" data-score="{score}"{name}>{score}</button>'
        )
    return buttons


def _script_config(config: KioskConfig, assets: Bundle) -> dict[str, Any]:
    return {
        "metric": config.metric.value,
        "survey": config.survey,
        "touchpoint": config.touchpoint,
        "location": config.location,
        "locale": config.locale,
        "reset_ms": round(config.reset * 1000),
        "guard_ms": round(config.guard * 1000),
        "idle_ms": round(config.idle * 1000),
        "service_worker": f"/kiosk/{SERVICE_WORKER}",
        "version": assets.version,
        "texts": TEXTS[config.locale].for_script(),
    }


def _json_block(value: dict[str, Any]) -> str:
    """JSON that cannot end its <script> element early, whatever the strings hold."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


UNAVAILABLE_RETRY_SECONDS = 10


def unavailable_page(locale: str, assets: Bundle) -> str:
    texts = TEXTS[locale]
    return _template("unavailable.html").substitute(
        lang=locale,
        title=escape(texts.unavailable_title),
        css=assets.url("kiosk.css"),
        body=escape(texts.unavailable_body),
        retry=UNAVAILABLE_RETRY_SECONDS,
    )


def problem_page(rejected: ConfigRejected, assets: Bundle) -> str:
    texts = TEXTS[rejected.locale]
    items = []
    for problem in rejected.problems:
        message = getattr(texts, problem.text).format(**problem.values)
        items.append(f"<li><code>{escape(problem.parameter)}</code>: {escape(message)}</li>")
    return _template("problem.html").substitute(
        lang=rejected.locale,
        title=escape(texts.config_title),
        css=assets.url("kiosk.css"),
        intro=escape(texts.config_intro),
        problems="\n".join(items),
        example_label=escape(texts.config_example),
        example=escape(EXAMPLE),
    )
