"""The block a CRM pastes into an email: the question and one button per score.

Email clients are not browsers. Outlook for Windows lays out with Word's engine, which
ignores most CSS on links (padding, display, border-radius) and has no flexbox or
media queries; Gmail strips <style> in many views. So the layout is tables only, every
style inline, and a button is a table cell with a background colour (``bgcolor`` for
Outlook, ``background-color`` for the rest) and padding on the cell, where Outlook keeps
it; the link inside carries only colour and font. Percent widths with a fixed table
layout let eleven NPS buttons share a phone's width without a media query.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from app.channels.email.schemas import ScoreLink
from app.channels.email.texts import Texts
from app.surveys.wording import Wording

_FONT = "Arial,Helvetica,sans-serif"
_TEXT = "#1f2937"
_MUTED = "#4b5563"  # 7.5:1 on white
_BUTTON = "#1d4ed8"  # white on it: 6.7:1


def email_html(wording: Wording, texts: Texts, links: Sequence[ScoreLink]) -> str:
    lang = escape(wording.locale)
    cell_width = f"{100 / len(links):.2f}%"
    buttons = "".join(_button(link, wording, links, cell_width) for link in links)
    small = f"font-family:{_FONT};font-size:13px;line-height:18px;color:{_MUTED};"
    return (
        f'<table role="presentation" lang="{lang}" dir="ltr" width="100%" cellpadding="0" '
        f'cellspacing="0" border="0" style="width:100%;max-width:560px;border-collapse:collapse;">'
        f'<tr><td style="padding:0 4px 12px 4px;font-family:{_FONT};font-size:18px;'
        f'line-height:26px;font-weight:bold;color:{_TEXT};">{escape(wording.question)}</td></tr>'
        f'<tr><td style="padding:0;">'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="4" border="0" '
        f'style="width:100%;table-layout:fixed;"><tr>{buttons}</tr></table>'
        f"</td></tr>"
        f'<tr><td style="padding:4px 4px 0 4px;">'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="width:100%;"><tr>'
        f'<td align="left" valign="top" style="{small}">{escape(wording.low_label)}</td>'
        f'<td align="right" valign="top" style="{small}text-align:right;">'
        f"{escape(wording.high_label)}</td>"
        f"</tr></table></td></tr>"
        f'<tr><td style="padding:12px 4px 0 4px;{small}">{escape(texts.email_hint)}</td></tr>'
        f"</table>"
    )


def _button(link: ScoreLink, wording: Wording, links: Sequence[ScoreLink], cell_width: str) -> str:
    label = _accessible_label(link, wording, links)
    named = f' title="{escape(label)}" aria-label="{escape(label)}"' if label else ""
    return (
        f'<td align="center" valign="middle" width="{cell_width}" bgcolor="{_BUTTON}" '
        f'style="background-color:{_BUTTON};border-radius:6px;padding:10px 0;">'
        f'<a href="{escape(link.url)}" target="_blank"{named} style="color:#ffffff;'
        f"font-family:{_FONT};font-size:16px;line-height:20px;font-weight:bold;"
        f'text-decoration:none;display:block;">{link.score}</a></td>'
    )


def _accessible_label(link: ScoreLink, wording: Wording, links: Sequence[ScoreLink]) -> str:
    """The end buttons say what their number means; the others are plain numbers."""
    if link is links[0]:
        return f"{link.score} – {wording.low_label}"
    if link is links[-1]:
        return f"{link.score} – {wording.high_label}"
    return ""


def email_text(wording: Wording, texts: Texts, links: Sequence[ScoreLink]) -> str:
    lines = [wording.question, ""]
    for link in links:
        label = _accessible_label(link, wording, links) or str(link.score)
        lines.append(f"{label}: {link.url}")
    lines += ["", texts.email_hint]
    return "\n".join(lines) + "\n"
