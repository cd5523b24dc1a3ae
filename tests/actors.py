"""Actors for tests: who a write is made as (metrics.access.Actor)."""

from __future__ import annotations

import getpass

from metrics.access import ROLES, VIA_SYSTEM, Actor


def named(name: str) -> Actor:
    """An actor with every role recorded under `name` alone (as the demo builder is), for tests about
    something other than sign-in."""
    return Actor(name=name, email="", roles=frozenset(ROLES), via=VIA_SYSTEM)


def signed_in(name: str, email: str, *roles: str) -> Actor:
    """A signed-in person holding `roles` (and viewer, as everyone allowed does)."""
    return Actor(name=name, email=email, roles=frozenset({"viewer", *roles}))


EVERYONE = named("Test runner")
VIEWER = signed_in("Vera Viewer", "vera.viewer@nhs.net")
ANALYST = signed_in("Ann Analyst", "ann.analyst@nhs.net", "analyst")
EDITOR = signed_in("Ed Editor", "ed.editor@nhs.net", "editor")
ADMIN = signed_in("Ada Admin", "ada.admin@nhs.net", "admin")
# Who a page's writes are recorded as in local mode (no [auth], as the app tests run).
LOCAL_USER = Actor.local(getpass.getuser()).label
