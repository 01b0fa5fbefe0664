"""The privacy notice young people agree to, in words a young reader understands.

Consent records the version; a submission that names another version is refused,
so nobody is held to a notice they were not shown.
"""

from __future__ import annotations

from . import i18n

VERSION = "2026-12-02"  # 2026-12-02: field survey positions; 2026-12-01: take-down retention

TEXT: dict[str, str | None] = {
    "sv": """Så här tar vi hand om det du skickar in

Vilka vi är: Bollnäs kommun och Lobatse Town Council driver appen tillsammans.

Vad vi sparar: din berättelse eller aktivitet, dina bilder och ljud, ett påhittat namn
(en pseudonym) och din åldersgrupp. Vi vill inte ha ditt riktiga namn, din adress,
din e-post eller ditt telefonnummer, och vi sparar aldrig var du befinner dig, utom
när du själv mäter in en plats eller en led (se nedan).

Fältinventering: när du mäter in var en plats ligger eller går en led med appen sparar
vi positionen du skickar, vilken dag (aldrig vilken tid) och hur noggrann telefonen
sa att den var. Bara kommunens personal ser det, aldrig någon annan. Det raderas 30
dagar efter att kommunen bestämt platsens läge, eller när du raderar det med din kod.
Platsens nya läge publiceras utan ditt namn (under licensen CC0 1.0, så att även
OpenStreetMap kan använda det); din pseudonym visas bara om du själv bett om det.

Bilder: vi tar bort all dold information ur bilderna (till exempel var och när de
togs) innan någon annan ser dem. Syns andra personer på bilden måste de ha sagt ja.

Innan något visas: en vuxen från kommunen läser allt innan det publiceras. Det kan
ta några dagar. Om vi säger nej får du veta varför.

Din kod: när du skickar in får du en hemlig kod. Med den kan du se vad som hänt med
det du skickat, och du kan radera allt när du vill. Spara koden, vi kan inte skicka
den igen.

Under 13 år i Bollnäs (under 16 år i Lobatse): en förälder eller vårdnadshavare
behöver säga ja innan du skickar in.

Hur länge: det som inte publiceras raderas 30 dagar efter att du skickade det. Det
som har publicerats och sedan tas bort från appen raderas 30 dagar efter att det togs
bort, om det inte publiceras igen. Det som publiceras finns kvar tills du eller
kommunen tar bort det.

Frågor: prata med din lärare eller fritidsledare, eller kontakta kommunen.""",
    "en": """How we look after what you send

Who we are: Bollnäs Municipality and Lobatse Town Council run the app together.

What we keep: your story or activity, your photos and sounds, a made-up name (a
pseudonym) and your age group. We do not want your real name, address, e-mail or
phone number, and we never keep where you are, except when you yourself survey a
place or a trail (see below).

Surveying: when you use the app to record where a place is or to walk a trail, we
keep the position you send, the day (never the time) and how accurate your phone said
it was. Only the municipality's staff see it, nobody else. It is deleted 30 days after
the municipality has decided the place's location, or when you delete it with your
code. The place's new location is published without your name (under the CC0 1.0
licence, so that OpenStreetMap can use it too); your pseudonym is shown only if you
asked for it.

Photos: we remove all hidden information from photos (such as where and when they
were taken) before anyone else sees them. If other people can be recognised in a
photo, they must have said yes.

Before anything is shown: an adult from the municipality reads everything before it
is published. This can take a few days. If we say no, you will be told why.

Your code: when you send something you get a secret code. With it you can see what
happened to what you sent, and you can delete all of it whenever you want. Keep the
code safe: we cannot send it again.

Under 13 in Bollnäs (under 16 in Lobatse): a parent or guardian needs to say yes
before you send anything.

How long: anything not published is deleted 30 days after you sent it. Anything that
was published and then taken down from the app is deleted 30 days after it was taken
down, unless it is published again. Anything published stays until you or the
municipality remove it.

Questions: talk to your teacher or youth leader, or contact the municipality.""",
    "tn": None,  # to be translated with Lobatse Town Council
}


def notice(lang: str) -> dict[str, str | None]:
    """The notice in lang (falling back like any text), its version and language."""
    text, used = i18n.pick(TEXT, lang)
    return {"version": VERSION, "lang": lang, "text": text, "text_language": used}
