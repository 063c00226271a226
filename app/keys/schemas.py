from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.fields import NoNul, Slug, Timestamp
from app.keys.origins import normalize_origin
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind

Origin = Annotated[str, AfterValidator(normalize_origin)]
KeyId = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
WRITE_ONLY_KINDS = (KeyKind.PUBLISHABLE, KeyKind.KIOSK)


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, NoNul] = Field(min_length=1, max_length=100)
    kind: KeyKind = KeyKind.SECRET
    scopes: list[Scope] = Field(default_factory=list, max_length=4)
    allowed_origins: list[Origin] = Field(default_factory=list, max_length=50)
    location: Slug | None = None
    replaces: KeyId | None = Field(
        default=None,
        description=(
            "The id of a key this one is made to replace (rotation): the new key shares its "
            "idempotency namespace, and takes its kind, scopes, origins and location unless "
            "the request gives them. The old key keeps working until it is revoked."
        ),
    )

    # Messages start with the field they are about: the problem's errors[].field names it.
    @model_validator(mode="after")
    def _fits_kind(self) -> KeyCreate:
        if self.replaces is not None:
            return self  # checked once the replaced key has filled in the rest (service.create)
        if self.kind in WRITE_ONLY_KINDS:
            if set(self.scopes) - {Scope.RESPONSES_WRITE}:
                raise ValueError(f"scopes: {self.kind} keys are write-only (responses:write)")
            self.scopes = [Scope.RESPONSES_WRITE]
        elif not self.scopes:
            raise ValueError("scopes: a secret key needs at least one scope")
        if self.kind is KeyKind.PUBLISHABLE and not self.allowed_origins:
            raise ValueError("allowed_origins: a publishable key needs at least one origin")
        if self.kind is not KeyKind.PUBLISHABLE and self.allowed_origins:
            raise ValueError("allowed_origins: only publishable keys have allowed origins")
        if self.kind is not KeyKind.KIOSK and self.location:
            raise ValueError("location: only kiosk keys are bound to a location")
        self.scopes = sorted(set(self.scopes))
        self.allowed_origins = sorted(set(self.allowed_origins))
        return self


class KeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: KeyKind
    name: str
    scopes: list[Scope]
    allowed_origins: list[str]
    location: str | None
    replaces: str | None = Field(description="The key this one was made to replace, if any.")
    idempotency_namespace: str = Field(
        description=(
            "Idempotency keys are unique within a namespace: the id of the first key of a "
            "rotation. Keys that share it replay each other's answers; other keys never do."
        )
    )
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None


class KeyCreated(KeyRead):
    key: str = Field(description="The key itself. Shown once: it is stored only as a hash.")


class KeyList(BaseModel):
    data: list[KeyRead]
