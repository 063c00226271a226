"""Follow-up tokens: the widget or kiosk that recorded an answer may add its comment.

A token is signed with a secret the installation keeps (every worker shares it), names
one response, and expires. It lets a page without a secret key edit that one comment,
and nothing else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

FOLLOWUP_SECONDS = 60 * 60
SECRET_NAME = "followup-token-key"


@dataclass(frozen=True)
class FollowupTokens:
    secret: str
    max_age_seconds: int = FOLLOWUP_SECONDS

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt="touchpoint.followup")

    def issue(self, response_id: uuid.UUID) -> str:
        return self._serializer().dumps(response_id.hex)

    def allows(self, token: str, response_id: uuid.UUID) -> bool:
        """True for an untampered, unexpired token issued for exactly this response."""
        try:
            named = self._serializer().loads(token, max_age=self.max_age_seconds)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return False
        return bool(named == response_id.hex)
