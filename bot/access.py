"""Who may use the bot: enrolment, invites, revocation, roles and the rate limit.

Plain functions over the database and the config, free of Telegram types, so
the rules can be tested without a bot. A member of staff is enrolled by the
`[people] staff` allow-list, by any other `[people]` role, or by redeeming a
one-time invite code the Head Teacher created; the Head Teacher can revoke an
enrolment. Nothing is stored about people who are refused, only a daily count.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import sqlite_utils

from .clock import now, utc
from .config import ROLES, Config, load_config
from .transactions import transaction

# No 0/O or 1/I/L: codes are read aloud and typed from paper as often as tapped.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def reload_people(config: Config) -> str:
    """Re-read `[people]` from the config file in place (every holder of `config` sees it at once);
    returns a one-line summary. ConfigError (the file now has a mistake) leaves the roles as they were."""
    if config.source is None:
        return "no config file: the roles are unchanged"
    fresh = load_config(config.source)
    for role in ROLES:
        setattr(config.people, role, list(getattr(fresh.people, role)))
    return "roles re-read: " + ", ".join(f"{role} {len(getattr(config.people, role))}" for role in ROLES)


def config_roles(config: Config, user_id: int) -> set[str]:
    """Roles named in `[people]`, other than the plain staff allow-list."""
    return config.people.roles_of(user_id) - {"staff"}


def _user_row(db: sqlite_utils.Database, user_id: int) -> dict[str, Any] | None:
    rows = list(db.table("users").rows_where("user_id = ?", [user_id]))
    return rows[0] if rows else None


def is_enrolled(db: sqlite_utils.Database, config: Config, user_id: int) -> bool:
    """A `[people]` role always counts (the config is the Head's word); the allow-list and
    invites count unless the Head Teacher revoked this person."""
    if config_roles(config, user_id):
        return True
    row = _user_row(db, user_id)
    if row is not None and row["revoked_at"]:
        return False
    return user_id in config.people.staff or row is not None


def roles_of(db: sqlite_utils.Database, config: Config, user_id: int) -> set[str]:
    """Roles from the config, plus "staff" for anyone enrolled."""
    roles = config_roles(config, user_id)
    if is_enrolled(db, config, user_id):
        roles.add("staff")
    return roles


def create_invite(db: sqlite_utils.Database, created_by: int, days: int, at: datetime | None = None) -> str:
    """A new one-time code, valid for `days`; usable as a t.me deep-link start parameter."""
    moment = utc(at)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with transaction(db):
        db.table("invites").insert(
            {
                "code": code,
                "created_by": created_by,
                "created_at": now(moment),
                "expires_at": now(moment + timedelta(days=days)),
            }
        )
    return code


def invite_expiry(db: sqlite_utils.Database, code: str) -> str | None:
    rows = list(db.table("invites").rows_where("code = ?", [code]))
    return rows[0]["expires_at"] if rows else None


class Redeemed(Enum):
    ENROLLED = "enrolled"
    ALREADY_ENROLLED = "already enrolled"  # the code is left unused for someone else
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


def normalise_code(code: str) -> str:
    return code.strip().upper()


def redeem_invite(
    db: sqlite_utils.Database,
    code: str,
    user_id: int,
    name: str,
    config: Config | None = None,
    at: datetime | None = None,
) -> Redeemed:
    """Enrol `user_id` with `code` if it is known, unused and unexpired.

    The code is claimed with one conditional UPDATE, so two people racing
    with the same code cannot both get in.
    """
    moment = now(at)
    code = normalise_code(code)
    if config is not None and is_enrolled(db, config, user_id):
        return Redeemed.ALREADY_ENROLLED
    rows = list(db.table("invites").rows_where("code = ?", [code]))
    if not rows:
        return Redeemed.UNKNOWN
    invite = rows[0]
    if invite["used_by"] is not None:
        return Redeemed.USED
    if invite["expires_at"] <= moment:
        return Redeemed.EXPIRED
    with transaction(db):
        claimed = db.execute(
            "update invites set used_by = ?, used_at = ? where code = ? and used_by is null",
            [user_id, moment, code],
        ).rowcount
        if claimed != 1:
            return Redeemed.USED
        db.table("users").upsert(
            {
                "user_id": user_id,
                "name": name,
                "enrolled_at": moment,
                "enrolled_via": f"invite:{code}",
                "revoked_at": None,
                "revoked_by": None,
            },
            pk="user_id",
        )
    return Redeemed.ENROLLED


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str  # "" when the bot has not seen them yet (allow-list)
    enrolled_at: str  # ISO UTC; "" for the allow-list and roles before their first visit
    via: str  # "invite", "allow-list" or a role title key
    revocable: bool  # False for [people] roles: only the config file can remove them


def members(db: sqlite_utils.Database, config: Config) -> list[Member]:
    """Everyone who may use the bot now: [people] roles, the allow-list and invitees (not revoked)."""
    rows = {row["user_id"]: row for row in db.table("users").rows} if db["users"].exists() else {}
    found: dict[int, Member] = {}
    for role in ROLES:
        for user_id in getattr(config.people, role):
            row = rows.get(user_id)
            if role == "staff" and (user_id in found or (row is not None and row["revoked_at"])):
                continue
            if user_id not in found:
                found[user_id] = Member(
                    user_id,
                    (row or {}).get("name") or "",
                    (row or {}).get("enrolled_at") or "",
                    "allow-list" if role == "staff" else role,
                    role == "staff",
                )
    for user_id, row in rows.items():
        if user_id not in found and not row["revoked_at"]:
            via = str(row["enrolled_via"] or "")
            via = "invite" if via.startswith("invite") else via
            found[user_id] = Member(user_id, row["name"] or "", row["enrolled_at"], via, True)
    return sorted(found.values(), key=lambda m: (m.revocable, (m.name or "~").lower(), m.user_id))


class Revoked(Enum):
    REVOKED = "revoked"
    NOT_ENROLLED = "not enrolled"
    CONFIG_ROLE = "config role"  # named in [people]: only the config can remove them


def revoke(db: sqlite_utils.Database, user_id: int, by: int, config: Config | None = None) -> Revoked:
    """End an enrolment. Allow-listed staff get a users row marked revoked, which outranks
    the allow-list until they are invited again. Without `config` only invitees are known."""
    config = config if config is not None else Config()
    if config_roles(config, user_id):
        return Revoked.CONFIG_ROLE
    if not is_enrolled(db, config, user_id):
        return Revoked.NOT_ENROLLED
    moment = now()
    row = _user_row(db, user_id)
    with transaction(db):
        if row is None:
            db.table("users").insert(
                {
                    "user_id": user_id,
                    "enrolled_at": moment,
                    "enrolled_via": "allow-list",
                    "revoked_at": moment,
                    "revoked_by": by,
                }
            )
        else:
            db.table("users").update(user_id, {"revoked_at": moment, "revoked_by": by})
    return Revoked.REVOKED


def count_refusal(db: sqlite_utils.Database, at: datetime | None = None) -> None:
    """One more refused message today: the only trace an outsider leaves."""
    day = utc(at).date().isoformat()
    with transaction(db):
        db.execute(
            "insert into refusals (day, count) values (?, 1) "
            "on conflict(day) do update set count = count + 1",
            [day],
        )


def refusals_on(db: sqlite_utils.Database, day: str) -> int:
    row = db.execute("select count from refusals where day = ?", [day]).fetchone()
    return int(row[0]) if row else 0


@dataclass
class RateLimiter:
    """At most `per_minute` events per user in any sliding 60-second window, in memory.

    In memory on purpose: a restart forgetting who asked a lot is harmless,
    and a limit check should never touch the disk. Not python-telegram-bot's AIORateLimiter: that
    one spaces the bot's own requests to Telegram (bot.app uses it for sends); this one counts
    what a person asks of the bot, which no library there does.
    """

    per_minute: int
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._events: dict[int, deque[float]] = {}

    def allow(self, user_id: int) -> bool:
        moment = self.clock()
        events = self._events.setdefault(user_id, deque())
        while events and events[0] <= moment - self.window:
            events.popleft()
        if len(events) >= self.per_minute:
            return False
        events.append(moment)
        return True
