"""Email links: issuing them, opening a link (writes nothing), and the Send that records.

Mail scanners open every link of an email, some in a headless browser that runs script,
so a GET records nothing: the answer is recorded only by the POST of the page's Send
button, a real gesture. One token makes at most one response: sending again changes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from pydantic import ValidationError

from app.channels.email import block
from app.channels.email.scanner import BurstWatch
from app.channels.email.schemas import EmailLinkCreate, EmailLinkCreated, ScoreLink
from app.channels.email.texts import Texts, texts_for
from app.channels.email.tokens import LinkClaims, LinkSigner, new_nonce
from app.config import Settings
from app.db import Database
from app.dimensions.channels import Channel
from app.instance import signing
from app.keys.service import Principal
from app.responses import service as responses_service
from app.responses.schemas import ResponseCreate
from app.responses.service import Ingest, rejected
from app.scoring.metrics import SCALE, Metric
from app.surveys.service import wording_for
from app.surveys.wording import Wording, pick_locale

GENERATED_SECRET = "email-link-key"
# Links stay well under the ~2000 characters that some clients and scanners cut URLs at.
MAX_TOKEN_LENGTH = 1500
IDEMPOTENCY_PREFIX = "email-link:"
# The links' own idempotency namespace. API keys' namespaces are key ids (16 hex digits),
# so no key can ever write into this one: nobody can take a link's answer first, and the
# answer does not depend on the issuing key (revoked or rotated, its links keep working).
IDEMPOTENCY_NAMESPACE = "email-links"
_SCORE = re.compile(r"^(0|[1-9][0-9]?)$")


@dataclass(frozen=True)
class EmailLinks:
    """What the link use cases need; built once per process."""

    signer: LinkSigner
    bursts: BurstWatch


server_secrets = signing.server_secrets  # where tests and callers have always found it


async def load(db: Database, settings: Settings) -> EmailLinks:
    secrets = await signing.load_secrets(db, settings, GENERATED_SECRET)
    return EmailLinks(LinkSigner(secrets), BurstWatch())


# --- issuing ---------------------------------------------------------------------------


async def create(
    links: EmailLinks,
    ingest: Ingest,
    caller: Principal,
    body: EmailLinkCreate,
    base_url: str,
) -> EmailLinkCreated:
    """A signed token for one respondent's answer, its score links, and the email block."""
    caller.require_secret()
    claims = LinkClaims(
        nonce=new_nonce(),
        metric=body.metric.value,
        survey=body.survey,
        expires_at=responses_service.now() + timedelta(days=body.expires_in_days),
        respondent_hash=ingest.hasher.hash(body.respondent) if body.respondent else None,
        touchpoint=body.touchpoint,
        location=body.location,
        locale=body.locale,
        properties=body.properties,
        key_id=caller.key_id,
    )
    token = links.signer.issue(claims)
    if len(token) > MAX_TOKEN_LENGTH:
        raise rejected(
            "properties", "too long to carry in a link; send fewer or shorter properties"
        )
    locale = pick_locale(body.locale)
    wording = await wording_for(ingest.db, body.survey, body.metric.value, locale)
    base = base_url.rstrip("/")
    score_links = [
        ScoreLink(score=score, url=f"{base}/r/{token}/{score}") for score in SCALE[body.metric]
    ]
    texts = texts_for(locale)
    return EmailLinkCreated(
        token=token,
        token_id=claims.token_id,
        expires_at=claims.expires_at,
        links=score_links,
        html=block.email_html(wording, texts, score_links),
        text=block.email_text(wording, texts, score_links),
    )


# --- the pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class Landing:
    """What a link page shows: the question in the customer's language."""

    claims: LinkClaims
    wording: Wording
    texts: Texts

    @property
    def locale(self) -> str:
        return self.wording.locale

    @property
    def scale(self) -> range:
        return SCALE[Metric(self.claims.metric)]


class ScoreNotOnScale(Exception):
    def __init__(self, landing: Landing) -> None:
        super().__init__("no such score on this metric's scale")
        self.landing = landing


class FormInvalid(Exception):
    """What the customer sent cannot be recorded; the page says why, in their language."""

    def __init__(self, landing: Landing, message: str, score: int | None, comment: str) -> None:
        super().__init__(message)
        self.landing = landing
        self.message = message
        self.score = score
        self.comment = comment


@dataclass(frozen=True)
class Sent:
    landing: Landing
    score: int
    comment: str
    changed: bool


async def landing(
    links: EmailLinks, db: Database, token: str, accept_language: str | None
) -> Landing:
    """The page of a genuine, unexpired token; raises TokenInvalid or TokenExpired."""
    claims = links.signer.read(token, responses_service.now())
    locale = pick_locale(claims.locale, accept_language)
    wording = await wording_for(db, claims.survey, claims.metric, locale)
    return Landing(claims, wording, texts_for(locale))


async def open_link(
    links: EmailLinks,
    db: Database,
    token: str,
    score_text: str | None,
    accept_language: str | None,
) -> tuple[Landing, int | None]:
    """A GET of a link: what to show, and the score to pre-select. Writes nothing."""
    page = await landing(links, db, token, accept_language)
    if score_text is None:
        return page, None
    score = int(score_text) if _SCORE.match(score_text) else None
    if score is None or score not in page.scale:
        raise ScoreNotOnScale(page)
    links.bursts.opened(page.claims.token_id, score)
    return page, score


async def send(
    links: EmailLinks,
    ingest: Ingest,
    token: str,
    form: Mapping[str, str],
    accept_language: str | None,
) -> Sent:
    """The Send button: record the answer of this token, or change the one it recorded."""
    page = await landing(links, ingest.db, token, accept_language)
    claims = page.claims
    # Browsers send a textarea's line breaks as CRLF; NUL cannot be stored, nor typed.
    comment_text = form.get("comment", "").replace("\r\n", "\n").replace("\r", "\n")
    comment_text = comment_text.replace("\x00", "")
    score_text = form.get("score", "")
    score = int(score_text) if _SCORE.match(score_text) else None
    if score is None or score not in page.scale:
        raise FormInvalid(page, page.texts.choose_score, None, comment_text)
    try:
        body = ResponseCreate(
            metric=Metric(claims.metric),
            score=score,
            comment=comment_text.strip() or None,
            survey=claims.survey,
            touchpoint=claims.touchpoint,
            channel=Channel.EMAIL,
            location=claims.location,
            properties=claims.properties,
            locale=claims.locale,
            idempotency_key=IDEMPOTENCY_PREFIX + claims.nonce,
        )
    except ValidationError as error:
        # The rest came from a validated link request: only the typed comment can be wrong.
        if {str(e["loc"][0]) for e in error.errors() if e["loc"]} != {"comment"}:
            raise
        raise FormInvalid(page, page.texts.comment_too_long, score, comment_text) from None
    item = responses_service.prepare_vouched(
        body,
        claims.respondent_hash,
        claims.key_id,
        responses_service.now(),
        IDEMPOTENCY_NAMESPACE,
    )
    outcome = await responses_service.record_or_update(ingest, item)
    stored = outcome.response
    return Sent(page, stored.score, stored.comment or "", changed=outcome.status == "updated")
