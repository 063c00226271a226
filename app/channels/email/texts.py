"""The email-link pages' own words, in every supported language.

The survey's question, end labels, follow-up prompt, thanks and brand come from
app.surveys.service.wording_for; these are the page's buttons, notices and errors.
Polish speaks to the customer as "ty" without gendered forms; Estonian uses "teie".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Texts:
    title: str
    intro: str
    send: str
    optional: str
    recorded: str
    changed: str
    change: str
    choose_score: str
    comment_too_long: str
    expired_title: str
    expired_body: str
    invalid_title: str
    invalid_body: str
    too_many_title: str
    too_many_body: str
    unavailable_title: str
    unavailable_body: str
    email_hint: str


TEXTS: dict[str, Texts] = {
    "en": Texts(
        title="Your feedback",
        intro="Check your score, add a comment if you like, and press Send.",
        send="Send",
        optional="optional",
        recorded="Your answer has been recorded.",
        changed="Your answer has been updated.",
        change="Change your answer",
        choose_score="Choose a score, then press Send.",
        comment_too_long="Your comment is too long: please keep it under 5,000 characters.",
        expired_title="This link has expired",
        expired_body="Thank you for wanting to answer, but this survey has closed.",
        invalid_title="This link does not work",
        invalid_body=(
            "It may have been cut short when it was copied. "
            "Please open it again straight from the email."
        ),
        too_many_title="Too many attempts",
        too_many_body="Please wait a moment and try again.",
        unavailable_title="Please try again shortly",
        unavailable_body="We cannot take your answer right now. Please try again in a minute.",
        email_hint=(
            "Choose a number. On the page that opens you can add a comment; "
            "your answer is saved when you press Send."
        ),
    ),
    "pl": Texts(
        title="Twoja opinia",
        intro="Sprawdź ocenę, a jeśli chcesz, dodaj komentarz i kliknij „Wyślij”.",
        send="Wyślij",
        optional="opcjonalnie",
        recorded="Twoja odpowiedź została zapisana.",
        changed="Twoja odpowiedź została zmieniona.",
        change="Zmień odpowiedź",
        choose_score="Wybierz ocenę, a potem kliknij „Wyślij”.",
        comment_too_long="Komentarz jest za długi – może mieć najwyżej 5000 znaków.",
        expired_title="Ten link wygasł",
        expired_body="Dziękujemy, że chcesz odpowiedzieć, ale ta ankieta jest już zamknięta.",
        invalid_title="Ten link nie działa",
        invalid_body=(
            "Mógł zostać ucięty przy kopiowaniu. "
            "Otwórz go jeszcze raz bezpośrednio z wiadomości e-mail."
        ),
        too_many_title="Zbyt wiele prób",
        too_many_body="Odczekaj chwilę i spróbuj ponownie.",
        unavailable_title="Spróbuj ponownie za chwilę",
        unavailable_body=(
            "W tej chwili nie możemy przyjąć Twojej odpowiedzi. Spróbuj ponownie za minutę."
        ),
        email_hint=(
            "Wybierz liczbę. Na stronie, która się otworzy, możesz dodać komentarz – "
            "odpowiedź zapiszemy, gdy klikniesz „Wyślij”."
        ),
    ),
    "et": Texts(
        title="Teie tagasiside",
        intro="Kontrollige hinnangut, soovi korral lisage kommentaar ja vajutage „Saada“.",
        send="Saada",
        optional="valikuline",
        recorded="Teie vastus on salvestatud.",
        changed="Teie vastust on muudetud.",
        change="Muutke oma vastust",
        choose_score="Valige hinnang ja vajutage siis „Saada“.",
        comment_too_long="Kommentaar on liiga pikk – see võib olla kuni 5000 tähemärki.",
        expired_title="See link on aegunud",
        expired_body="Aitäh, et soovite vastata, kuid see küsitlus on juba lõppenud.",
        invalid_title="See link ei tööta",
        invalid_body=(
            "Võib-olla jäi see kopeerimisel poolikuks. Palun avage link uuesti otse e-kirjast."
        ),
        too_many_title="Liiga palju katseid",
        too_many_body="Palun oodake veidi ja proovige uuesti.",
        unavailable_title="Palun proovige veidi hiljem uuesti",
        unavailable_body=(
            "Me ei saa teie vastust praegu vastu võtta. Palun proovige mõne minuti pärast uuesti."
        ),
        email_hint=(
            "Valige number. Avanevale lehele saate lisada kommentaari – "
            "vastus salvestatakse, kui vajutate „Saada“."
        ),
    ),
}


def texts_for(locale: str) -> Texts:
    """The texts of a supported locale (see app.surveys.wording.pick_locale)."""
    return TEXTS[locale]
