"""Property-based tests of the reports domain: arbitrary text, lengths and role combinations.

Why: the safeguarding rules must hold for every input, not for the handful of examples the
other tests pick. Hypothesis drives routing, report creation, escalation and rendering and
checks the invariants: nothing about the Head reaches the Head, every stored report has one
alert row per recipient (or one summary when held), and every rendered message fits
Telegram's limits and is valid Telegram HTML.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import reports
from bot.config import PeopleConfig
from bot.reports.head import TITLES, names_head
from bot.storage import open_db
from bot.text import report_record
from bot.text import reports as reports_text
from bot.text import telegram as tg
from bot.text.notices import NOTICES

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "blockquote"}
HEAD_WORDS = ["head teacher", "Headteacher", "HEADMASTER", "headmistress", "the head", "principal"]

ids = st.lists(st.integers(min_value=1, max_value=6), max_size=3, unique=True)
people_configs = st.builds(
    PeopleConfig,
    head_teacher=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=2, unique=True),
    deputy=ids,
    dsl=ids,
    chair_of_governors=ids,
)
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6000).filter(
    lambda t: t.strip()
)


@st.composite
def new_reports(draw: st.DrawFn) -> reports.NewReport:
    category = draw(st.sampled_from([c for c in reports.CATEGORIES]))
    text = draw(texts)
    if draw(st.booleans()):  # name the Head somewhere in the text
        word = draw(st.sampled_from(HEAD_WORDS))
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = f"{text[:at]} {word} {text[at:]}"
    return reports.NewReport(
        reporter_id=draw(st.integers(min_value=100, max_value=102)),
        reporter_name=draw(st.text(max_size=80)),
        category=category,
        description=text,
        subject=draw(st.one_of(st.none(), st.sampled_from(list(reports.SUBJECTS)))),
        place=draw(st.one_of(st.none(), st.text(max_size=200))),
    )


class TelegramHTML(HTMLParser):
    """Fails on tags Telegram does not accept and on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in TELEGRAM_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag


def assert_valid(text: str) -> None:
    assert 0 < tg.tg_len(text) <= tg.MESSAGE_LIMIT
    parser = TelegramHTML()
    parser.feed(text)
    parser.close()
    assert not parser.stack, parser.stack


def recipients_of(db, report_id: int) -> list[int]:
    return [r[0] for r in db.execute("select recipient_id from outbox where report_id = ?", [report_id])]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=people_configs, batch=st.lists(new_reports(), min_size=1, max_size=4))
def test_reports_hold_the_safeguarding_invariants(tmp_path_factory, people, batch) -> None:
    db = open_db(tmp_path_factory.mktemp("prop") / "p.db")
    heads = set(people.head_teacher)
    for new in batch:
        created = reports.create_report(db, people, new, at=T0, alerts_per_minute=3, notices=NOTICES)
        report = created.report
        about_head = new.subject == "head_teacher" or names_head(f"{new.description}\n{new.place or ''}")
        sent_to = recipients_of(db, report.id)
        if about_head:
            assert created.about_head
            assert not heads & {uid for uid, _ in created.recipients}
            assert not heads & set(sent_to)
            for head in heads:
                assert not reports.can_review(db, people, report.id, head)
                assert report.id not in [r.id for r in reports.queue(db, people, head, include_resolved=True)]
                assert report_record.render_show(db, people, report.id, head) is None
        if created.held:
            assert sent_to == []
        else:  # one alert row per recipient
            assert sorted(sent_to) == sorted(uid for uid, _ in created.recipients)
        assert_valid(report_record.render_escalation(report))
        assert_valid(
            reports_text.report_receipt(report.reference, [r for _, r in created.recipients], report.urgent)
        )
        for viewer in {new.reporter_id, *(uid for uid, _ in created.recipients)}:
            for block in report_record.render_show(db, people, report.id, viewer) or []:
                assert_valid(block)

    # re-notification, escalation to the deputy and held summaries: still never the Head
    reports.escalate_overdue(db, people, 30, at=T0 + timedelta(hours=2), notices=NOTICES)
    reports.summarise_held(db, 0, at=T0 + timedelta(hours=2), notices=NOTICES)
    for new_id in range(1, len(batch) + 1):
        report = reports.get_report(db, new_id)
        about = report.subject == "head_teacher" or names_head(f"{report.description}\n{report.place or ''}")
        if about:
            assert not heads & set(recipients_of(db, new_id))
    for (text,) in db.execute("select text from outbox"):
        assert_valid(text)
    held = [r[0] for r in db.execute("select report_id from report_events where kind = 'alert_held'")]
    summarised = [r[0] for r in db.execute("select report_id from report_events where kind = 'summarised'")]
    assert sorted(held) == sorted(summarised)


@given(text=st.text(max_size=300), word=st.sampled_from(HEAD_WORDS))
def test_any_text_with_a_head_word_names_the_head(text: str, word: str) -> None:
    assert names_head(f"{text}. {word}. {text}")


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12).filter(
    lambda n: n not in TITLES
)


@given(name=names, text=st.text(max_size=200))
def test_the_heads_configured_name_counts(name: str, text: str) -> None:
    assert names_head(f"{text} {name.title()} {text}", [f"Mrs {name}"])
