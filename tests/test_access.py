"""Enrolment, invites, revocation, roles, the refusal counter and the rate limiter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import access
from bot.access import RateLimiter, Redeemed, Revoked
from bot.config import Config
from bot.storage import open_db

HEAD, DSL, TEACHER, NEWBIE, OTHER = 1, 2, 10, 20, 30


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "access.db")


@pytest.fixture
def config() -> Config:
    config = Config()
    config.people.head_teacher = [HEAD]
    config.people.dsl = [DSL]
    config.people.staff = [TEACHER]
    return config


def test_who_is_enrolled(db, config) -> None:
    assert access.is_enrolled(db, config, HEAD)
    assert access.is_enrolled(db, config, DSL)
    assert access.is_enrolled(db, config, TEACHER)
    assert not access.is_enrolled(db, config, NEWBIE)


def test_roles(db, config) -> None:
    assert access.roles_of(db, config, HEAD) == {"head_teacher", "staff"}
    assert access.roles_of(db, config, TEACHER) == {"staff"}
    assert access.roles_of(db, config, NEWBIE) == set()


def test_invite_enrols_once(db, config) -> None:
    code = access.create_invite(db, HEAD, days=7)
    assert len(code) == access.CODE_LENGTH and set(code) <= set(access.CODE_ALPHABET)
    assert access.redeem_invite(db, code.lower(), NEWBIE, "Nina", config=config) is Redeemed.ENROLLED
    assert access.is_enrolled(db, config, NEWBIE)
    assert access.redeem_invite(db, code, OTHER, "Olly", config=config) is Redeemed.USED
    assert not access.is_enrolled(db, config, OTHER)
    invite = db["invites"].get(code)
    assert invite["used_by"] == NEWBIE and invite["used_at"]


def test_enrolled_people_do_not_use_up_codes(db, config) -> None:
    code = access.create_invite(db, HEAD, days=7)
    assert access.redeem_invite(db, code, TEACHER, "Tess", config=config) is Redeemed.ALREADY_ENROLLED
    assert access.redeem_invite(db, code, NEWBIE, "Nina", config=config) is Redeemed.ENROLLED


def test_unknown_and_expired_codes(db, config) -> None:
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    code = access.create_invite(db, HEAD, days=7, at=start)
    assert access.redeem_invite(db, "NOPE", NEWBIE, "Nina") is Redeemed.UNKNOWN
    late = start + timedelta(days=7, seconds=1)
    assert access.redeem_invite(db, code, NEWBIE, "Nina", at=late) is Redeemed.EXPIRED
    in_time = start + timedelta(days=6, hours=23)
    assert access.redeem_invite(db, code, NEWBIE, "Nina", at=in_time) is Redeemed.ENROLLED


def test_revoke(db, config) -> None:
    code = access.create_invite(db, HEAD, days=7)
    access.redeem_invite(db, code, NEWBIE, "Nina")
    assert access.revoke(db, NEWBIE, HEAD, config=config) is Revoked.REVOKED
    assert not access.is_enrolled(db, config, NEWBIE)
    assert access.revoke(db, NEWBIE, HEAD, config=config) is Revoked.NOT_ENROLLED
    # allow-listed staff: a revoked row outranks the list
    assert access.revoke(db, TEACHER, HEAD, config=config) is Revoked.REVOKED
    assert not access.is_enrolled(db, config, TEACHER)
    assert db["users"].get(TEACHER)["revoked_by"] == HEAD
    # roles from the config cannot be revoked from Telegram
    assert access.revoke(db, DSL, HEAD, config=config) is Revoked.CONFIG_ROLE
    assert access.is_enrolled(db, config, DSL)


def test_a_new_invite_restores_a_revoked_member(db, config) -> None:
    access.revoke(db, TEACHER, HEAD, config=config)
    code = access.create_invite(db, HEAD, days=1)
    assert access.redeem_invite(db, code, TEACHER, "Tess", config=config) is Redeemed.ENROLLED
    assert access.is_enrolled(db, config, TEACHER)


def test_refusals_are_counted_per_day(db) -> None:
    day = datetime(2026, 3, 2, 12, tzinfo=UTC)
    for _ in range(3):
        access.count_refusal(db, at=day)
    access.count_refusal(db, at=day + timedelta(days=1))
    assert access.refusals_on(db, "2026-03-02") == 3
    assert access.refusals_on(db, "2026-03-03") == 1
    assert access.refusals_on(db, "2026-03-04") == 0


def test_rate_limiter_sliding_window() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=3, clock=lambda: now[0])
    assert [limiter.allow(1) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow(2)  # per user
    now[0] = 59.9
    assert not limiter.allow(1)
    now[0] = 60.1  # the first three left the window
    assert limiter.allow(1)
    assert limiter.allow(1)
