"""metrics.access: roles from claims and config, who may sign in, and local mode's address rule."""

from __future__ import annotations

import pytest

from metrics.access import (
    AccessDenied,
    Actor,
    actor_from_claims,
    email_from_claims,
    is_allowed,
    not_allowed_sentence,
    page_refusal,
    require,
    roles_for,
    serves_only_this_machine,
    unprotected_server_sentence,
)
from metrics.config import AccessSettings
from tests.actors import ANALYST, EDITOR, VIEWER

ACCESS = AccessSettings(
    contact="the performance team (perf@nhs.net)",
    allowed_domains=["nhs.net"],
    allowed_emails=["guest@council.gov.uk"],
    roles={"admin": ["Ada.Admin@nhs.net"], "editor": ["ed@bromley.gov.uk"]},
)


@pytest.mark.parametrize(
    ("email", "claimed", "expected"),
    [
        ("vera@nhs.net", None, {"viewer"}),
        ("ann@nhs.net", ["analyst"], {"viewer", "analyst"}),
        ("ann@nhs.net", "Analyst", {"viewer", "analyst"}),  # one role as a string, any case
        ("ann@nhs.net", ["analyst", "superuser", "Dashboard.Owner"], {"viewer", "analyst"}),  # unknown ones ignored
        ("ada.admin@nhs.net", [], {"viewer", "admin"}),  # named in config, matched case-insensitively
        ("ada.admin@nhs.net", ["editor"], {"viewer", "admin", "editor"}),  # claim and config add up
        ("ed@bromley.gov.uk", None, {"viewer", "editor"}),
    ],
)
def test_roles_come_from_the_roles_claim_and_from_named_addresses(email, claimed, expected) -> None:
    assert roles_for(email, claimed, ACCESS) == frozenset(expected)


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("someone@nhs.net", True),  # an allowed domain
        ("SOMEONE@NHS.NET", True),
        ("guest@council.gov.uk", True),  # listed by address
        ("ed@bromley.gov.uk", True),  # named under a role
        ("other@council.gov.uk", False),
        ("someone@nhs.net.evil.com", False),  # the domain must match whole
        ("someone@evilnhs.net", False),
        ("", False),
        ("not an address", False),
    ],
)
def test_who_may_sign_in(email, allowed) -> None:
    assert is_allowed(email, ACCESS) is allowed


def test_a_person_outside_the_allowed_domains_gets_no_actor_and_a_sentence_naming_the_contact() -> None:
    claims = {"email": "mallory@example.com", "name": "Mallory", "roles": ["admin"]}
    assert actor_from_claims(claims, ACCESS) is None
    sentence = not_allowed_sentence("mallory@example.com", ACCESS)
    assert sentence == ("mallory@example.com is not allowed to use this dashboard. To ask for access, contact "
                        "the performance team (perf@nhs.net).")


def test_a_signed_in_person_becomes_an_actor_recorded_by_name_and_email() -> None:
    actor = actor_from_claims({"email": "Ann@NHS.net", "name": "Ann Analyst", "roles": ["analyst"]}, ACCESS)
    assert actor == Actor("Ann Analyst", "ann@nhs.net", frozenset({"viewer", "analyst"}))
    assert actor.label == "Ann Analyst (ann@nhs.net)"
    assert actor.roles_text == "viewer, analyst"


def test_entra_ids_preferred_username_stands_in_for_a_missing_email_claim() -> None:
    assert email_from_claims({"preferred_username": "Ann.Analyst@nhs.net"}) == "ann.analyst@nhs.net"
    assert email_from_claims({"sub": "abc"}) == ""


def test_a_custom_roles_claim_is_read() -> None:
    access = ACCESS.model_copy(update={"roles_claim": "app_roles"})
    actor = actor_from_claims({"email": "ann@nhs.net", "app_roles": ["analyst"], "roles": ["admin"]}, access)
    assert actor.roles == frozenset({"viewer", "analyst"})


@pytest.mark.parametrize(
    ("actor", "action", "allowed"),
    [
        (VIEWER, "upload", False), (VIEWER, "commentary", False), (VIEWER, "audit", False),
        (ANALYST, "upload", True), (ANALYST, "undo", True), (ANALYST, "review", False),
        (EDITOR, "commentary", True), (EDITOR, "review", True), (EDITOR, "milestones", True),
        (EDITOR, "upload", False),
        (Actor.local("ann"), "audit", True), (Actor.command_line("ann"), "upload", True),
    ],
)
def test_each_action_needs_its_role(actor, action, allowed) -> None:
    assert actor.can(action) is allowed


def test_a_refusal_names_the_role_needed_and_what_the_person_has() -> None:
    with pytest.raises(AccessDenied, match=r"Uploading figures needs the analyst role; Vera Viewer "
                                           r"\(vera.viewer@nhs.net\) has viewer\."):
        require(VIEWER, "upload")
    assert page_refusal("Upload data", "analyst") == (
        "The Upload data page needs the analyst role (upload figures and undo an upload). Ask an admin of the "
        "dashboard for it."
    )


def test_an_unknown_action_is_an_error_not_allowed() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        Actor.local("ann").can("delete_everything")


def test_local_and_command_line_actors_are_recorded_as_such() -> None:
    assert Actor.local("ann").label == "ann (local mode)"
    assert Actor.command_line("ann").label == "ann (command line)"
    assert Actor.system("Demonstration data builder").label == "Demonstration data builder"


@pytest.mark.parametrize(
    ("address", "local_only"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.1.1", True),
     ("0.0.0.0", False), ("", False), (None, False), ("192.168.1.10", False), ("::", False)],
)
def test_only_loopback_counts_as_this_machine(address, local_only) -> None:
    assert serves_only_this_machine(address) is local_only


def test_the_refusal_to_serve_says_how_to_configure_sign_in() -> None:
    sentence = unprotected_server_sentence("0.0.0.0")
    assert "served on 0.0.0.0 with sign-in off" in sentence
    assert "[auth]" in sentence and "secrets.toml" in sentence and "127.0.0.1" in sentence
    assert "every network interface" in unprotected_server_sentence(None)
