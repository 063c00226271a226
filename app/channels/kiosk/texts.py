"""The kiosk's own words: buttons, the sync indicator, messages for staff.

The survey's question, end labels, follow-up prompt, thanks and brand come from the
survey's wording (app.surveys); these are the strings around them. Polish uses the
informal "ty" of Polish shops and no gendered forms; Estonian the polite "teie".
``{n}`` is a count, ``{name}`` a query parameter, ``{low}``/``{high}`` bounds,
``{location}`` the address's location.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class KioskTexts:
    title: str
    send: str
    skip: str
    comment_hint: str
    # The sync indicator (small, for staff; "label: count" needs no plural forms).
    pending: str
    all_sent: str
    set_aside: str
    key_refused: str
    storage_lost: str
    # Shown instead of the question when the address carries no usable kiosk key.
    key_missing_title: str
    key_missing: str
    key_wrong_kind: str
    noscript: str
    # Shown instead of the question when the service refuses the key or the address.
    setup_title: str
    setup_location: str
    setup_field: str
    setup_key_refused: str
    setup_kept: str
    # The page for staff when the address (the kiosk's configuration) is wrong.
    unavailable_title: str
    unavailable_body: str

    config_title: str
    config_intro: str
    config_example: str
    config_unknown: str
    config_repeated: str
    config_required: str
    config_metric: str
    config_slug: str
    config_locale: str
    config_seconds: str

    def for_script(self) -> dict[str, str]:
        """What kiosk.js needs to show; the rest is rendered on the server."""
        names = (
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
        )
        return {name: value for name, value in asdict(self).items() if name in names}


TEXTS: dict[str, KioskTexts] = {
    "en": KioskTexts(
        title="Feedback",
        send="Send",
        skip="Skip",
        comment_hint="You can also skip this.",
        pending="Waiting to send: {n}",
        all_sent="All answers sent",
        set_aside="Not accepted: {n}",
        key_refused="The kiosk key was refused. Answers stay on this tablet until it is fixed.",
        storage_lost="This browser cannot store answers: they are lost if the page closes.",
        key_missing_title="This kiosk needs its key",
        key_missing="Open this page again with #key= and the kiosk key (tp_kk_…) at the "
        "end of the address.",
        key_wrong_kind="This is not a kiosk key. Use a key that starts with tp_kk_, and never "
        "put a secret key on a tablet.",
        noscript="This kiosk needs JavaScript.",
        setup_title="This kiosk is not set up correctly",
        setup_location="The kiosk key is bound to another location than location={location} in "
        "this address. Fix location= in the address, or open it with the key made for this "
        "location.",
        setup_field="The service does not accept {name}= in this address. Fix it and open the "
        "page again.",
        setup_key_refused="The kiosk key was refused: it is unknown or has been revoked. Open "
        "this page again with #key= and a valid kiosk key.",
        setup_kept="Answers taken before stay on this tablet and are sent as usual: none is lost.",
        unavailable_title="The kiosk cannot reach the service right now",
        unavailable_body="This page tries again by itself every 10 seconds and shows the "
        "question as soon as the service answers.",
        config_title="This kiosk address is not set up correctly",
        config_intro="Fix these parts of the address and open it again:",
        config_example="Example:",
        config_unknown="unknown parameter",
        config_repeated="given more than once",
        config_required="required: nps, ces or csat",
        config_metric="must be nps, ces or csat",
        config_slug="lower-case letters, digits, dots, hyphens and underscores only "
        "(up to 64 characters)",
        config_locale="must be en, pl or et",
        config_seconds="a number of seconds from {low} to {high}",
    ),
    "pl": KioskTexts(
        title="Twoja opinia",
        send="Wyślij",
        skip="Pomiń",
        comment_hint="Możesz też pominąć ten krok.",
        pending="Do wysłania: {n}",
        all_sent="Wszystkie odpowiedzi wysłane",
        set_aside="Odrzucone: {n}",
        key_refused="Klucz kiosku został odrzucony. Odpowiedzi zostają na tym tablecie, "
        "dopóki problem nie zostanie rozwiązany.",
        storage_lost="Ta przeglądarka nie może zapisywać odpowiedzi: przepadną po zamknięciu "
        "strony.",
        key_missing_title="Ten kiosk potrzebuje klucza",
        key_missing="Otwórz tę stronę jeszcze raz, dopisując na końcu adresu #key= i klucz "
        "kiosku (tp_kk_…).",
        key_wrong_kind="To nie jest klucz kiosku. Użyj klucza zaczynającego się od tp_kk_ "
        "i nigdy nie wpisuj klucza tajnego na tablecie.",
        noscript="Ten kiosk wymaga JavaScriptu.",
        setup_title="Ten kiosk jest źle skonfigurowany",
        setup_location="Klucz kiosku jest przypisany do innej lokalizacji niż location={location} "
        "w tym adresie. Popraw location= w adresie albo otwórz go z kluczem utworzonym dla tej "
        "lokalizacji.",
        setup_field="Usługa nie przyjmuje parametru {name}= z tego adresu. Popraw go i otwórz "
        "stronę ponownie.",
        setup_key_refused="Klucz kiosku został odrzucony: jest nieznany albo unieważniony. "
        "Otwórz tę stronę jeszcze raz z #key= i ważnym kluczem kiosku.",
        setup_kept="Odpowiedzi zebrane wcześniej zostają na tym tablecie i są wysyłane jak "
        "zwykle: żadna nie przepada.",
        unavailable_title="Kiosk nie może teraz połączyć się z usługą",
        unavailable_body="Ta strona co 10 sekund sama próbuje ponownie i pokaże pytanie, gdy tylko "
        "usługa odpowie.",
        config_title="Adres kiosku jest źle ustawiony",
        config_intro="Popraw te części adresu i otwórz go ponownie:",
        config_example="Przykład:",
        config_unknown="nieznany parametr",
        config_repeated="podany więcej niż raz",
        config_required="wymagany: nps, ces lub csat",
        config_metric="dozwolone wartości: nps, ces, csat",
        config_slug="tylko małe litery, cyfry, kropki, myślniki i podkreślenia (do 64 znaków)",
        config_locale="dozwolone wartości: en, pl, et",
        config_seconds="liczba sekund od {low} do {high}",
    ),
    "et": KioskTexts(
        title="Tagasiside",
        send="Saada",
        skip="Jäta vahele",
        comment_hint="Selle sammu võite ka vahele jätta.",
        pending="Saatmise ootel: {n}",
        all_sent="Kõik vastused on saadetud",
        set_aside="Tagasi lükatud: {n}",
        key_refused="Kioskivõti lükati tagasi. Vastused jäävad sellesse tahvelarvutisse, "
        "kuni viga on parandatud.",
        storage_lost="See brauser ei saa vastuseid salvestada: lehe sulgemisel lähevad need "
        "kaduma.",
        key_missing_title="Sellel kioskil puudub võti",
        key_missing="Avage see leht uuesti nii, et aadressi lõpus oleks #key= ja kioskivõti "
        "(tp_kk_…).",
        key_wrong_kind="See ei ole kioskivõti. Kasutage võtit, mis algab tp_kk_-ga, ja ärge "
        "kunagi pange salajast võtit tahvelarvutisse.",
        noscript="See kiosk vajab JavaScripti.",
        setup_title="See kiosk on valesti seadistatud",
        setup_location="Kioskivõti on seotud teise asukohaga kui selle aadressi "
        "location={location}. Parandage aadressis location= või avage see selle asukoha jaoks "
        "loodud võtmega.",
        setup_field="Teenus ei võta vastu selle aadressi parameetrit {name}=. Parandage see ja "
        "avage leht uuesti.",
        setup_key_refused="Kioskivõti lükati tagasi: see on tundmatu või tühistatud. Avage see "
        "leht uuesti nii, et aadressis oleks #key= ja kehtiv kioskivõti.",
        setup_kept="Varem antud vastused jäävad sellesse tahvelarvutisse ja saadetakse nagu "
        "tavaliselt: ükski ei lähe kaduma.",
        unavailable_title="Kiosk ei saa praegu teenusega ühendust",
        unavailable_body="See leht proovib iga 10 sekundi järel ise uuesti ja näitab "
        "küsimust kohe, kui teenus vastab.",
        config_title="Kioski aadress on valesti seadistatud",
        config_intro="Parandage need aadressi osad ja avage see uuesti:",
        config_example="Näide:",
        config_unknown="tundmatu parameeter",
        config_repeated="antud rohkem kui üks kord",
        config_required="kohustuslik: nps, ces või csat",
        config_metric="lubatud väärtused: nps, ces, csat",
        config_slug="ainult väiketähed, numbrid, punktid, sidekriipsud ja alakriipsud "
        "(kuni 64 märki)",
        config_locale="lubatud väärtused: en, pl, et",
        config_seconds="sekundite arv vahemikus {low}–{high}",
    ),
}
