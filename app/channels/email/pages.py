"""The HTML of the link pages: confirm, thank-you and notices. No script, ever.

Templates are plain ``string.Template`` files next to this module (shipped as package
data); every value put into them is escaped here. The one stylesheet is inlined and
allowed by its hash in the Content-Security-Policy, so the pages load nothing else.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from html import escape
from pathlib import Path
from string import Template

from app.channels.email.texts import Texts
from app.surveys.wording import Wording

_TEMPLATES = Path(__file__).parent / "templates"


@cache
def _template(name: str) -> Template:
    return Template((_TEMPLATES / name).read_text(encoding="utf-8"))


@cache
def _style() -> str:
    return (_TEMPLATES / "page.css").read_text(encoding="utf-8").strip()


@cache
def headers() -> dict[str, str]:
    """Every link page's headers: never cached or indexed, no referrer, nothing to run."""
    digest = base64.b64encode(hashlib.sha256(_style().encode()).digest()).decode()
    policy = (
        f"default-src 'none'; style-src 'sha256-{digest}'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "X-Robots-Tag": "noindex, nofollow",
    }


def _page(locale: str, title: str, content: str, brand: str | None) -> str:
    brand_line = f'<p class="brand">{escape(brand)}</p>\n' if brand else ""
    full_title = f"{brand} – {title}" if brand else title
    return _template("page.html").substitute(
        lang=escape(locale),
        title=escape(full_title),
        style=_style(),
        brand=brand_line,
        content=content,
    )


def _form(
    wording: Wording,
    texts: Texts,
    action: str,
    scale: range,
    selected: int | None,
    comment: str,
    error: str | None,
) -> str:
    return _template("form.html").substitute(
        action=escape(action),
        error=f'<p class="error" role="alert">{escape(error)}</p>\n' if error else "",
        question=escape(wording.question),
        size=len(scale),
        radios="\n".join(_radio(score, wording, scale, selected) for score in scale),
        low=escape(wording.low_label),
        high=escape(wording.high_label),
        followup=escape(wording.followup),
        optional=escape(texts.optional),
        comment=escape(comment),
        send=escape(texts.send),
    )


def _radio(score: int, wording: Wording, scale: range, selected: int | None) -> str:
    """A radio whose accessible name is its number, and at the ends what that means."""
    meaning = {scale[0]: wording.low_label, scale[-1]: wording.high_label}.get(score)
    extra = f'<span class="vh"> – {escape(meaning)}</span>' if meaning else ""
    checked = " checked" if score == selected else ""
    return (
        f'<label class="score"><input type="radio" name="score" value="{score}" '
        f"required{checked}><span>{score}{extra}</span></label>"
    )


def confirm_page(
    wording: Wording,
    texts: Texts,
    action: str,
    scale: range,
    selected: int | None,
    comment: str = "",
    error: str | None = None,
) -> str:
    content = f"<h1>{escape(texts.title)}</h1>\n<p>{escape(texts.intro)}</p>\n" + _form(
        wording, texts, action, scale, selected, comment, error
    )
    return _page(wording.locale, texts.title, content, wording.brand)


def thanks_page(
    wording: Wording,
    texts: Texts,
    action: str,
    scale: range,
    score: int,
    comment: str,
    changed: bool,
) -> str:
    """The thanks, and the sent answer ready to change (it lives only in this page)."""
    done = texts.changed if changed else texts.recorded
    content = (
        f"<h1>{escape(wording.thanks)}</h1>\n"
        f'<p class="done" role="status">{escape(done)}</p>\n'
        f"<details><summary>{escape(texts.change)}</summary>\n"
        + _form(wording, texts, action, scale, score, comment, None)
        + "</details>"
    )
    return _page(wording.locale, wording.thanks, content, wording.brand)


def notice_page(locale: str, title: str, body: str) -> str:
    content = f"<h1>{escape(title)}</h1>\n<p>{escape(body)}</p>"
    return _page(locale, title, content, None)
