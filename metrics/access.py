"""Who may do what: roles, the actor behind every write, and who may sign in at all (pure; no Streamlit).

Four roles (config.yaml `access:`): viewer reads every page; analyst uploads and undoes uploads;
editor writes commentary, assessment reviews and milestones; admin reads the audit log. Roles add
up: a person holds every role the provider's `roles` claim or config.yaml gives them, and everyone
allowed to sign in is a viewer. The Store checks the actor's roles on every write (the server-side
check a page cannot walk around); pages use the same table to decide what to show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from metrics.config import AccessSettings

ROLES = ("viewer", "analyst", "editor", "admin")
ROLE_DUTIES = {
    "viewer": "every page, read only",
    "analyst": "upload figures and undo an upload",
    "editor": "commentary, Phase 3 assessment reviews, milestones and demand and capacity scenarios",
    "admin": "the audit log and who has which role",
}

# The one table of what each action needs. Writes are checked by the Store, pages by the navigation.
ACTION_ROLES = {
    "upload": "analyst",
    "undo": "analyst",
    "commentary": "editor",
    "review": "editor",
    "milestones": "editor",
    "requirements": "editor",
    "scenario": "editor",
    "audit": "admin",
}
ACTION_LABELS = {
    "upload": "Uploading figures",
    "undo": "Undoing an upload",
    "commentary": "Writing commentary",
    "review": "Recording an assessment review",
    "milestones": "Changing milestones",
    "requirements": "Changing the Phase 3 requirements",
    "scenario": "Saving a demand and capacity scenario",
    "audit": "Reading the audit log",
}

# How an actor came to act: signed in with the identity provider, the dashboard with sign-in off
# (local mode), the command line (the operating-system user), or the program itself (the demo build).
VIA_SIGN_IN, VIA_LOCAL, VIA_COMMAND_LINE, VIA_SYSTEM = "sign-in", "local mode", "command line", "system"

# An email address as people and providers write them: something@domain.tld, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class AccessDenied(PermissionError):
    """An actor tried something their roles do not allow; the message says which role it needs."""


@dataclass(frozen=True)
class Actor:
    """The person (or program) behind an action: what the store records as "who"."""

    name: str
    email: str
    roles: frozenset[str]
    via: str = VIA_SIGN_IN

    @property
    def label(self) -> str:
        """How the store records who: "Ann Analyst (ann.analyst@nhs.net)", "ann (local mode)"."""
        if self.via == VIA_SYSTEM:
            return self.name
        if self.email:
            return f"{self.name} ({self.email})" if self.name and self.name != self.email else self.email
        return f"{self.name} ({self.via})"

    @property
    def roles_text(self) -> str:
        return ", ".join(role for role in ROLES if role in self.roles) or "none"

    def can(self, action: str) -> bool:
        return required_role(action) in self.roles

    @classmethod
    def local(cls, user: str) -> Actor:
        """Sign-in is off: whoever opened the dashboard on this machine, with every role."""
        return cls(name=user or "local user", email="", roles=frozenset(ROLES), via=VIA_LOCAL)

    @classmethod
    def command_line(cls, user: str) -> Actor:
        """The command line: the operating-system user, with every role (they hold the store file)."""
        return cls(name=user or "unknown user", email="", roles=frozenset(ROLES), via=VIA_COMMAND_LINE)

    @classmethod
    def system(cls, name: str) -> Actor:
        """The program itself, e.g. building the demonstration store."""
        return cls(name=name, email="", roles=frozenset(ROLES), via=VIA_SYSTEM)


def required_role(action: str) -> str:
    """The role an action needs; an unknown action is an error, never silently allowed."""
    try:
        return ACTION_ROLES[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTION_ROLES)}") from None


def refusal(actor: Actor, action: str) -> str:
    """The sentence shown (and logged) when an actor lacks the role for an action."""
    role = required_role(action)
    return (
        f"{ACTION_LABELS[action]} needs the {role} role; {actor.label} has {actor.roles_text}. "
        "Ask an admin of the dashboard for the role if you need it."
    )


def require(actor: Actor, action: str) -> None:
    """Raise AccessDenied (with the sentence) unless the actor holds the role the action needs."""
    if not actor.can(action):
        raise AccessDenied(refusal(actor, action))


def page_refusal(title: str, role: str) -> str:
    """What a page says when its address is opened by someone without the role it needs."""
    return f"The {title} page needs the {role} role ({ROLE_DUTIES[role]}). Ask an admin of the dashboard for it."


# --- who may sign in, and with which roles ---------------------------------------------------------


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text or ""))


def is_domain(text: str) -> bool:
    return bool(_DOMAIN.match(text or ""))


def email_from_claims(claims: dict) -> str:
    """The address an identity token carries: `email`, else Entra ID's `preferred_username` (the UPN,
    which for NHSmail is the address), lower-cased; "" when neither is an address."""
    for key in ("email", "preferred_username", "upn"):
        value = str(claims.get(key) or "").strip().lower()
        if is_email(value):
            return value
    return ""


def _listed(email: str, addresses: Iterable[str]) -> bool:
    return email in {a.strip().lower() for a in addresses}


def is_allowed(email: str, access: AccessSettings) -> bool:
    """Whether an address may sign in: listed by address, in an allowed domain, or named under a role."""
    email = (email or "").strip().lower()
    if not is_email(email):
        return False
    domain = email.rsplit("@", 1)[1]
    named = [a for addresses in access.roles.values() for a in addresses]
    return (
        _listed(email, access.allowed_emails)
        or domain in {d.strip().lower() for d in access.allowed_domains}
        or _listed(email, named)
    )


def roles_for(email: str, claimed: object, access: AccessSettings) -> frozenset[str]:
    """Every role an allowed person holds: viewer, the known roles in the provider's roles claim
    (a list or a single string, case-insensitive), and the roles config.yaml names the address under."""
    email = (email or "").strip().lower()
    if isinstance(claimed, str):
        claimed = [claimed]
    from_claim = {str(c).strip().lower() for c in claimed} if isinstance(claimed, Iterable) else set()
    named = {role for role, addresses in access.roles.items() if _listed(email, addresses)}
    return frozenset({"viewer"} | (from_claim & set(ROLES)) | (named & set(ROLES)))


def not_allowed_sentence(email: str, access: AccessSettings) -> str:
    """What someone signed in but not allowed reads: whom to ask."""
    who = f"{email} is" if email else "Your account has no email address, so it is"
    return f"{who} not allowed to use this dashboard. To ask for access, contact {access.contact}."


def actor_from_claims(claims: dict, access: AccessSettings) -> Actor | None:
    """The signed-in person as an Actor, or None when they may not use the dashboard."""
    email = email_from_claims(claims)
    if not is_allowed(email, access):
        return None
    name = str(claims.get("name") or "").strip() or email
    return Actor(name=name, email=email, roles=roles_for(email, claims.get(access.roles_claim, ()), access))


# --- local mode ---------------------------------------------------------------------------------------

LOOPBACK_ADDRESSES = ("127.0.0.1", "localhost", "::1")
LOCAL_MODE_WARNING = (
    "Sign-in is off: anyone who can open this address can change figures; configure [auth] before sharing it"
)


def serves_only_this_machine(address: str | None) -> bool:
    """Whether the server listens on loopback only. No address means every interface (Streamlit's default)."""
    return (address or "").strip().lower() in LOOPBACK_ADDRESSES or (address or "").startswith("127.")


def unprotected_server_sentence(address: str | None) -> str:
    """Why the dashboard refuses to serve without sign-in on an address other machines can reach."""
    where = f"on {address}" if address else "on every network interface"
    return (
        f"This dashboard is being served {where} with sign-in off, so anyone who can reach it could change "
        "figures: it refuses to serve. Configure sign-in in .streamlit/secrets.toml ([auth]: redirect_uri, "
        "cookie_secret, client_id, client_secret, server_metadata_url; see the README's Deployment section), "
        "or serve it on this machine only with --server.address 127.0.0.1 (as `make run` does)."
    )

# Pages (by their address) that need more than the viewer role; every other page is open to viewers.
PAGE_ROLES = {"upload": ACTION_ROLES["upload"], "audit": ACTION_ROLES["audit"]}


def role_table(access: AccessSettings | None) -> list[dict[str, str]]:
    """Who config.yaml names under each role (the provider's app roles add to these), one row per role."""
    named = access.roles if access is not None else {}
    return [
        {"Role": role, "May": ROLE_DUTIES[role],
         "Named in config.yaml": ", ".join(named.get(role, [])) or ("everyone allowed" if role == "viewer" else "–")}
        for role in ROLES
    ]
