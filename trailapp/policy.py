"""The one place that decides who may do what.

Anonymous callers of organiser routes get 401. An organiser reaching for an object
of a municipality they do not work for gets 404, the same as for an object that
does not exist: ids alone reveal nothing. Asking to list another municipality's
queue is refused with 403.
"""

from __future__ import annotations

from .auth import Organiser
from .domain import MUNICIPALITIES
from .errors import Forbidden, NotFound, Unauthorized


def signed_in(organiser: Organiser | None) -> Organiser:
    """The organiser, or 401."""
    if organiser is None:
        raise Unauthorized("Sign in (dashboard) or send an organiser API token "
                           "('Authorization: Bearer tra_…').",
                           headers={"WWW-Authenticate": 'Bearer realm="organisers"'})
    return organiser


def authorise_object(organiser: Organiser | None, municipality: str | None, what: str
                     ) -> Organiser:
    """The organiser, if they may act on an object of this municipality; else 404.

    No municipality means no such object: 404 for an admin too."""
    who = signed_in(organiser)
    if municipality is None or not who.may_act_on(municipality):
        raise NotFound(f"There is no {what}.")
    return who


def scope(organiser: Organiser | None, asked: str | None) -> list[str]:
    """The municipalities a listing may show: the one asked for, or all of theirs."""
    who = signed_in(organiser)
    if asked is None:
        return who.scope()
    if asked not in MUNICIPALITIES:
        raise NotFound(f"There is no municipality {asked!r}.")
    if not who.may_act_on(asked):
        raise Forbidden(f"You do not work for {MUNICIPALITIES[asked].name['en']}.")
    return [asked]


def admin(organiser: Organiser | None) -> Organiser:
    """The organiser, if an admin; else 403."""
    who = signed_in(organiser)
    if not who.is_admin:
        raise Forbidden("Only an admin may do this.")
    return who


def open_in(organiser: Organiser | None, municipality: str) -> Organiser:
    """The organiser, if they may open something (a workshop) in this municipality:
    401 when not signed in, 404 for no such municipality, 403 for one not theirs."""
    scope(organiser, municipality)
    return signed_in(organiser)


# -- the exchange between the towns (issue 13) -------------------------------------------


def decide_contribution(organiser: Organiser | None, row: dict | None, what: str
                        ) -> Organiser:
    """Who sees and decides a contribution: an organiser of its municipality, the town
    of the young person who sent it. A question is decided by the asker's town; a reply
    by the replier's town (its municipality is its place's, the twin place in the
    replier's town), also when it answers the other town's question; never the other
    way. Anyone else gets the same 404 as for no such contribution."""
    return authorise_object(organiser, row["municipality"] if row else None, what)


def propose_twin(organiser: Organiser | None, municipality: str) -> Organiser:
    """An organiser proposes a twin for their own town's place: 403 for another town."""
    return open_in(organiser, municipality)


def accept_twin(organiser: Organiser | None, twin: dict) -> Organiser:
    """Only the other town (the one the proposal waits for) accepts: the proposer's
    town gets the same 404 as for no such twin."""
    return authorise_object(organiser, twin["twin_municipality"], f"twin {twin['id']!r} "
                            "waiting for your town")


def end_twin(organiser: Organiser | None, twin: dict) -> str:
    """Either town may end a twin (or decline a proposal); anyone else gets 404. The
    town in whose name it is ended (for the audit log)."""
    who = signed_in(organiser)
    for town in (twin["municipality"], twin["twin_municipality"]):
        if who.may_act_on(town):
            return town
    raise NotFound(f"There is no twin {twin['id']!r}.")


def read_twins(organiser: Organiser | None, municipality: str | None) -> list[str]:
    """The towns whose twins a listing may show (see scope)."""
    return scope(organiser, municipality)


# -- challenges (issue 14) ----------------------------------------------------------------


def set_challenge(organiser: Organiser | None, municipality: str) -> Organiser:
    """An organiser sets challenges in their own town only: 403 for another town."""
    return open_in(organiser, municipality)


def challenge(organiser: Organiser | None, row: dict | None, challenge_id: str) -> dict:
    """A challenge an organiser may see and change: another town's is the same 404 as
    none at all."""
    authorise_object(organiser, row["municipality"] if row else None,
                     f"challenge {challenge_id!r}")
    if row is None:  # authorise_object raised already; this says so to type checkers
        raise NotFound(f"There is no challenge {challenge_id!r}.")
    return row


# -- contributions and youth translation (issue 13) ---------------------------------------


def apply_translation(organiser: Organiser | None, place_municipality: str,
                      translation_id: str) -> Organiser:
    """Only an organiser of the place's own town writes a youth translation into its
    fields (the translator's town only decided that the translation may be published);
    anyone else gets the same 404 as for no such translation."""
    return authorise_object(organiser, place_municipality,
                            f"translation of a place {translation_id!r}")
