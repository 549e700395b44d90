"""How policies are cut into passages: sections, lead-ins with their lists, size, verbatim text, stable ids.

A passage is what the bot quotes to a member of staff, so it must be the
policy's own words, short enough for a phone, under the right heading, and
keep its id when the policy is rebuilt (answers and feedback refer to it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from search_fixtures import BUNDLED_POLICY, normalise

from knowledge.chunking import ChunkSettings, chunk_document, chunk_documents, needs_title, sections
from knowledge.documents import read_document
from knowledge.model import Block, Document
from knowledge.text import split_blocks

MAX_WORDS = ChunkSettings().max_words
# A passage a paragraph: for the tests of what a paragraph is, apart from how paragraphs are joined.
PARAGRAPHS = ChunkSettings(join_words=0)


@pytest.fixture(scope="module")
def policy() -> Document:
    return read_document(BUNDLED_POLICY)


@pytest.fixture(scope="module")
def passages(policy):
    return chunk_document(policy)


def passage_with(passages, phrase: str):
    found = [p for p in passages if phrase in normalise(p.text)]
    assert found, f"no passage holds {phrase!r}"
    return found[0]


def text_document(text: str, name: str = "synthetic.txt") -> Document:
    return Document(name=name, title="Synthetic Policy", blocks=split_blocks(text))


# --- sections of the bundled policy ------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    [
        "General Statement",
        "Legal implications",
        "Personal use of Social Media",
        "Cyber bullying and Harassment",
        "Where a member of staff is a parent/guardian as well as an employee of the School",
        "External communication with pupils/students",
        "Senior Leadership responsibility in relation to Online Bullying and Harassment",
    ],
)
def test_policy_headings_become_sections(policy, heading):
    assert heading in [name for name, _ in sections(policy, ChunkSettings())]


def test_title_comes_from_the_policy_name_line(policy, passages):
    assert policy.title == "Social Media Policy"
    assert {p.document for p in passages} == {"Social Media Policy"}
    assert "Policy Name: Social Media Policy" not in {p.section for p in passages}


def test_a_short_unpunctuated_body_line_straight_after_a_heading_is_not_a_heading(passages):
    """The 16-word line under "External communication with pupils/students" has no full stop,
    but a section is never empty, so it is body text of that section."""
    line = (
        "Communication with pupils/students will take place face-to-face or via a staff member's "
        "school email address only"
    )
    assert len(line.split()) == 16
    assert line not in {p.section for p in passages}
    assert passage_with(passages, line).section == "External communication with pupils/students"


def test_passages_sit_under_the_heading_they_follow(passages):
    assert passage_with(passages, "decline 'friend requests' from students").section == (
        "Personal use of Social Media"
    )
    assert passage_with(passages, "Cyberbullying is making use of information").section == (
        "Cyber bullying and Harassment"
    )
    assert passage_with(passages, "stand up to scrutiny from a professional perspective").section == (
        "Where a member of staff is a parent/guardian as well as an employee of the School"
    )


# --- lead-ins stay with their lists ------------------------------------------------------------


def test_a_lead_in_sentence_is_kept_with_its_bullet_list(passages):
    principles = passage_with(passages, "In all communications from members of staff")
    assert principles.section == "Principles"
    assert "- Be conscious at all times of the need to keep personal and professional lives" in (
        principles.text
    )
    assert "- Be open, honest, ethical and professional" in principles.text


def test_the_liability_lead_in_is_kept_with_its_one_word_a_line_list(passages):
    legal = passage_with(passages, "Liability can arise under the laws of:")
    for law in ["Defamation", "Copyright", "Discrimination", "Human Rights", "Data protection"]:
        assert law in legal.text.split("\n"), law
    assert legal.section == "Legal implications"
    sections_seen = {p.section for p in passages}
    assert "Defamation" not in sections_seen and "Copyright" not in sections_seen


def test_a_list_too_long_for_one_passage_carries_its_lead_in_as_context(passages):
    risks = [p for p in passages if p.section == "Risks"]
    assert len(risks) >= 2
    assert risks[0].text.startswith("The school recognises the risks")
    for later in risks[1:]:
        assert later.context.startswith("The school recognises the risks")
        assert later.context.rstrip(":") in later.embedding_texts()[0]  # embedded with it, not shown
        assert later.context not in later.text


# --- size and verbatim text --------------------------------------------------------------------


def test_every_policy_passage_fits_on_a_phone(passages):
    assert passages
    assert max(len(p.text.split()) for p in passages) <= MAX_WORDS


def test_every_policy_passage_is_verbatim_policy_text(passages):
    source = normalise(BUNDLED_POLICY.read_text(encoding="utf-8"))
    for p in passages:
        assert normalise(p.text) in source, p.text[:80]


def test_every_policy_sentence_is_in_some_passage(passages):
    """Nothing is dropped: every body line of the policy appears in a passage or is a heading/title."""
    quoted = " ".join(normalise(p.text) for p in passages)
    headings = {p.section for p in passages}
    for line in BUNDLED_POLICY.read_text(encoding="utf-8").splitlines():
        line = normalise(line)
        if line and line not in headings and not line.startswith("Policy Name:"):
            assert line in quoted, line


def test_a_long_paragraph_and_a_long_list_are_cut_to_size_verbatim():
    sentence = "Staff must record every contact with a parent in the school log within one working day. "
    long_paragraph = (sentence * 25).strip()  # 400 words, 25 sentences
    assert len(long_paragraph.split()) == 400
    unbroken = " ".join(f"word{i}" for i in range(300))  # one "sentence" with no break at all
    bullets = "\n".join(f"- Item number {i} of the equipment checklist" for i in range(60))
    text = (
        f"Record keeping\n\n{long_paragraph}\n\nChecklist\n\nBefore a trip check the following:\n\n"
        f"{bullets}\n\nOdd cases\n\n{unbroken}\n"
    )
    doc = text_document(text)
    chunks = chunk_document(doc)
    source = normalise(text)
    assert max(len(p.text.split()) for p in chunks) <= MAX_WORDS
    for p in chunks:
        assert normalise(p.text) in source
    assert sum(len(p.text.split()) for p in chunks if p.section == "Record keeping") == 400
    checklist = [p for p in chunks if p.section == "Checklist"]
    assert len(checklist) >= 3
    assert all(p.context == "Before a trip check the following:" for p in checklist[1:]), (
        "each later piece of the list should know its lead-in"
    )
    items = "\n".join(p.text for p in checklist)
    assert all(f"- Item number {i} of" in items for i in range(60))
    assert sum(len(p.text.split()) for p in chunks if p.section == "Odd cases") == 300


def test_smaller_settings_give_smaller_passages(policy):
    small = chunk_document(policy, ChunkSettings(max_words=40))
    assert max(len(p.text.split()) for p in small) <= 40
    assert len(small) > len(chunk_document(policy))


# --- stable ids --------------------------------------------------------------------------------


def test_ids_are_the_same_on_every_run(policy, passages):
    again = chunk_document(read_document(BUNDLED_POLICY))
    assert [p.id for p in again] == [p.id for p in passages]
    assert len({p.id for p in passages}) == len(passages)


def test_editing_one_paragraph_keeps_the_ids_of_every_other_section(tmp_path, passages):
    """Paragraphs are joined within a section, so an edit can move where its section's passages
    end; every other section's passages keep their ids (and what staff taught for them)."""
    original = BUNDLED_POLICY.read_text(encoding="utf-8")
    old = "Staff should also select carefully their social media profile picture"
    assert old in original
    edited = tmp_path / BUNDLED_POLICY.name
    edited.write_text(original.replace(old, "Staff should choose their profile photo with care"), "utf-8")
    after = chunk_document(read_document(edited))
    [changed] = [p for p in passages if old in p.text]
    [new] = [p for p in after if "profile photo with care" in p.text]
    assert new.id not in {p.id for p in passages}
    elsewhere = [p.id for p in passages if p.section != changed.section]
    assert elsewhere == [p.id for p in after if p.section != changed.section]
    assert len(elsewhere) > 10


def test_the_same_words_twice_in_a_section_get_different_ids():
    rule = "Always log out of shared computers."
    doc = text_document(f"Rules\n\n{rule}\n\n{rule}\n")
    ids = [p.id for p in chunk_document(doc, PARAGRAPHS)]
    assert len(ids) == len(set(ids)) == 2


# --- other formats -----------------------------------------------------------------------------


def test_markdown_headings_are_sections_and_the_first_h1_is_the_title(tmp_path: Path):
    path = tmp_path / "phones.md"
    path.write_text(
        "# Phone Policy\n\n## Mobile phones in class\n\nStaff keep personal phones out of sight in lessons.\n"
        "\n## Trips and visits\nOn trips staff use the school mobile phone only.\n\n"
        "### Emergencies ###\n\nCall 999 first, then the school office.\n",
        encoding="utf-8",
    )
    doc = read_document(path)
    chunks = chunk_document(doc)
    assert doc.title == "Phone Policy"
    assert [(p.section, p.text) for p in chunks] == [
        ("Mobile phones in class", "Staff keep personal phones out of sight in lessons."),
        ("Trips and visits", "On trips staff use the school mobile phone only."),
        ("Emergencies", "Call 999 first, then the school office."),
    ]


def test_a_block_with_its_own_lead_in_is_not_glued_to_the_paragraph_before():
    """Word files give a lead-in and its short items as one block; it stays a passage of its own."""
    doc = Document(
        name="phones.docx",
        title="Phones",
        blocks=[
            Block("Lessons", heading=True),
            Block("Staff keep personal phones out of sight during lessons."),
            Block("Staff may use phones:\n- staff room\n- emergencies\n- with agreement"),
        ],
    )
    texts = [p.text for p in chunk_document(doc, PARAGRAPHS)]
    assert texts == [
        "Staff keep personal phones out of sight during lessons.",
        "Staff may use phones:\n- staff room\n- emergencies\n- with agreement",
    ]


def test_a_line_leading_into_a_list_is_not_a_heading():
    """It ends on a word no title ends on ("... helping staff to"), or it is as long as a sentence
    and a list follows; a short title over a list is still a heading."""
    doc = text_document(
        "Maternity leave\n\n"
        "We ask those going on maternity leave how they would like us to keep in touch.\n\n"
        "Keep in touch days can be used effectively by helping staff to\n\n"
        "- attend CPD or INSET days;\n- get up to date with curriculum changes.\n\n"
        "Before a trip abroad the trip lead checks every pupil's travel documents\n\n"
        "- passport\n- travel insurance\n\n"
        "Trip documents\n\n- signed consent form\n- medical form\n"
    )
    found = [(p.section, p.text.split("\n")[0]) for p in chunk_document(doc, PARAGRAPHS)]
    assert found == [
        ("Maternity leave", "We ask those going on maternity leave how they would like us to keep in touch."),
        ("Maternity leave", "Keep in touch days can be used effectively by helping staff to"),
        ("Maternity leave", "Before a trip abroad the trip lead checks every pupil's travel documents"),
        ("Trip documents", "- signed consent form"),
    ]


def test_empty_form_fields_are_not_a_passage_and_the_heading_after_them_stays():
    """A label with nothing after its colon carries nothing to quote; a lead-in keeps its list and
    a label its value on the next line."""
    doc = Document(
        name="request.docx",
        title="Flexible working request",
        blocks=[
            Block("Your details", heading=True),
            Block("Name:"),
            Block("Staff number (if applicable):"),
            Block("Flexible working request", heading=True),
            Block("Provide full details of the new working pattern you are requesting:"),
            Block("We discuss with you:\n- the pattern you want\n- when it would start"),
            Block("Headteacher:"),
            Block("Mrs J Smith, in the office next to reception"),
            Block("Notes:", table_row=True),
        ],
    )
    assert [(p.section, p.text) for p in chunk_document(doc, PARAGRAPHS)] == [
        (
            "Flexible working request",
            "Provide full details of the new working pattern you are requesting:\n\n"
            "We discuss with you:\n- the pattern you want\n- when it would start",
        ),
        ("Flexible working request", "Headteacher:\n\nMrs J Smith, in the office next to reception"),
    ]


def test_a_page_type_tag_alone_under_a_heading_is_not_a_passage():
    """ "Example" or "Case study" (a web page's type tag) answers nothing, yet as "<title>. Example"
    its vector matched questions about the whole page and took a choice's place: 14 of the
    workload set's 368 passages were such tags."""
    doc = Document(
        name="email.md",
        title="School email protocol",
        blocks=[
            Block("School email protocol", heading=True),
            Block("Example"),
            Block("Sending emails", heading=True),
            Block("Staff should not send emails after 6pm."),
            Block("Contact", heading=True),
            Block("01234 567890"),
        ],
    )
    texts = [p.text for p in chunk_document(doc)]
    assert texts == ["Staff should not send emails after 6pm.", "01234 567890"]


def test_a_record_of_fields_is_quoted_whole():
    """Consecutive short "Label: value" fields are one record: one passage, not one field a
    passage. A long field is a paragraph of its own."""
    fields = [
        "School name: The Ascent Academies' Trust",
        "Location: Sunderland",
        "Phase: Multi-academy trust focusing on special educational needs",
        "Number of pupils: 130 to 200",
        "Contact details: Email CEO Carolyn Morgan at cmorgan@ascenttrust.org",
    ]
    note = (
        "Note: every academy in the trust follows the agreement in full, and each head of academy "
        "reports on it to the trust board every term."
    )
    doc = Document(
        name="agreement.md",
        title="Academy trust workload agreement",
        blocks=[
            Block("School details", heading=True),
            *(Block(text, field=True) for text in fields),
            Block(note, field=True),
            Block("The agreement sets out what staff can expect from the trust about their workload."),
        ],
    )
    assert [p.text for p in chunk_document(doc, PARAGRAPHS)] == [
        "\n\n".join(fields),
        note,
        "The agreement sets out what staff can expect from the trust about their workload.",
    ]


@pytest.mark.parametrize(
    ("line", "lead_in"),
    [
        ("Keep in touch days can be used effectively by helping staff to", True),
        ("Support is given to staff by the wellbeing team and", True),
        ("Staff wellbeing &", True),
        ("Q&A", False),
        ("Plan A", False),
        ("Signing in", False),
        ("Who we are", False),
    ],
)
def test_a_line_ending_where_a_sentence_goes_on_reads_as_a_lead_in(line, lead_in):
    from knowledge.headings import reads_as_lead_in

    assert reads_as_lead_in(line) is lead_in


# --- joining short paragraphs --------------------------------------------------------------------


def test_short_paragraphs_of_one_section_are_quoted_together_and_each_embedded_on_its_own():
    first = "Staff keep personal phones out of sight during lessons."
    second = "In an emergency staff may use the school office phone."
    trips_rule = "On trips staff carry the school mobile."
    doc = text_document(f"Phones\n\n{first}\n\n{second}\n\nTrips\n\n{trips_rule}\n")
    phones, trips = chunk_document(doc)
    assert (phones.section, phones.text) == ("Phones", f"{first}\n\n{second}")
    assert phones.parts == (first, second)
    assert phones.embedding_texts()[2:] == [first, second]
    assert (trips.section, trips.parts) == ("Trips", ())  # a section's paragraphs only
    assert len(trips.embedding_texts()) == 2


def test_paragraphs_are_joined_only_while_they_fit_in_the_join_size():
    paragraphs = [f"Rule {n}: " + " ".join(["staff"] * 38) + "." for n in range(3)]  # 40 words each
    doc = text_document("Rules\n\n" + "\n\n".join(paragraphs) + "\n")
    texts = [p.text for p in chunk_document(doc, ChunkSettings(join_words=90))]
    assert texts == ["\n\n".join(paragraphs[:2]), paragraphs[2]]
    assert [p.text for p in chunk_document(doc, PARAGRAPHS)] == paragraphs


def test_the_join_size_is_part_of_the_index_settings():
    assert ChunkSettings(join_words=60).fingerprint() != ChunkSettings().fingerprint()


def test_paragraphs_are_never_joined_past_the_passage_limit():
    paragraphs = [f"Rule {n}: " + " ".join(["staff"] * 38) + "." for n in range(3)]  # 40 words each
    doc = text_document("Rules\n\n" + "\n\n".join(paragraphs) + "\n")
    passages = chunk_document(doc, ChunkSettings(join_words=200, max_words=90))
    assert [p.text for p in passages] == ["\n\n".join(paragraphs[:2]), paragraphs[2]]
    assert passages[0].parts == tuple(paragraphs[:2])


# --- headings that do not tell documents apart ---------------------------------------------------


def titled_document(title: str, text: str) -> Document:
    return Document(name=title.lower().replace(" ", "-") + ".txt", title=title, blocks=split_blocks(text))


def test_a_heading_several_documents_share_is_embedded_after_its_documents_title():
    """A pre-school's policies are all "Procedures": the title is what says which one is meant."""
    sun = titled_document("Sun Protection Policy", "Procedures\n\nChildren wear hats outdoors in summer.\n")
    meds = titled_document("Medicines Policy", "Procedures\n\nMedicines are kept in a locked box.\n")
    own = titled_document("Visits Policy", "Coach travel\n\nSeat belts are worn on every coach.\n")
    passages = chunk_documents([sun, meds, own])

    assert needs_title(passages) == [True, True, False]
    assert passages[0].embedding_texts(titled=True)[0] == (
        "Sun Protection Policy. Procedures. Children wear hats outdoors in summer"
    )
    assert passages[2].embedding_texts()[0] == "Coach travel. Seat belts are worn on every coach"
    assert (
        passages[0].embedding_texts(titled=True)[1:] == passages[0].embedding_texts()[1:]
    )  # bare views as they were


def test_headings_are_shared_whatever_their_case_and_spacing():
    first = titled_document("Behaviour Policy", "Background\n\nWe expect kindness.\n")
    second = titled_document("Uniform Policy", "BACKGROUND \n\nBlazers are worn.\n")
    assert needs_title(chunk_documents([first, second])) == [True, True]


def test_one_documents_own_repeated_heading_is_not_a_shared_one():
    doc = titled_document(
        "Staff Handbook",
        "Procedures\n\nSign in at reception.\n\nTrips\n\nCount often.\n\n"
        "Procedures\n\nSign out when you leave.\n",
    )
    passages = chunk_document(doc)
    assert [p.section for p in passages] == ["Procedures", "Trips", "Procedures"]
    assert needs_title(passages) == [False, False, False]
