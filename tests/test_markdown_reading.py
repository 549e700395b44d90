"""Markdown read as its rendered page reads: a long list item is kept in whole sentences, a word
hyphenated at a line's end is one word, and a link Markdown did not recognise shows its text."""

from __future__ import annotations

import re
from pathlib import Path

from search_fixtures import normalise

from knowledge.chunking import ChunkSettings, chunk_document
from knowledge.documents import read_document

# A passage a paragraph: these tests read documents (joining paragraphs is tested in test_chunking).
PARAGRAPHS = ChunkSettings(join_words=0)


def passages(tmp_path: Path, text: str, name: str = "policy.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return chunk_document(read_document(path), PARAGRAPHS)


def test_a_long_list_item_is_never_cut_mid_sentence(tmp_path):
    sentences = [
        f"Before trip {n} the lead checks the register, the medical forms and the risk assessment, "
        f"and signs the office copy, e.g. Form T{n}, with the date."
        for n in range(7)
    ]
    sub_items = "\n".join(
        f"  - the consent form for pupil group {n} is signed by a parent or carer" for n in range(14)
    )
    item = " ".join(sentences)
    text = f"# Trips\n\n## Checks\n\nThe lead must:\n\n- {item}\n- keep the folder:\n\n{sub_items}\n"
    quoted = [normalise(p.text) for p in passages(tmp_path, text)]
    assert len(quoted) > 2
    for sentence in sentences:
        assert any(sentence in q for q in quoted), sentence
    for n in range(14):
        assert any(
            f"the consent form for pupil group {n} is signed by a parent or carer" in q for q in quoted
        )


def test_a_word_hyphenated_at_a_line_end_is_one_word(tmp_path):
    text = (
        "# Early years\n\n## Sleep\n\nChildren in the pre-\nschool room sleep after lunch; a member of\n"
        "staff stays with them, and pre- and post-\nnatal staff rest in the office.\n"
    )
    [passage] = passages(tmp_path, text)
    assert passage.text == (
        "Children in the pre-school room sleep after lunch; a member of staff stays with them, "
        "and pre- and post-natal staff rest in the office."
    )


def test_a_hard_wrapped_text_file_joins_a_hyphenated_word_too(tmp_path):
    lines = [
        "Sleep",
        "",
        "After lunch the children from the baby room, the toddler room and from the pre-",
        "school room sleep, and a member of staff always stays with them while they are in",
        "the room until every child has woken up, and the sleep chart on the door of",
        "the room is filled in each time a member of staff checks on a sleeping child,",
        "which they do every ten minutes, without exception, for the whole of the nap",
        "time, as the early years foundation stage statutory framework sets out in full",
        "for every setting that looks after children under five years of age in England.",
        "A child who will not settle is taken to a quiet corner with a book instead.",
    ]
    text = " ".join(p.text for p in passages(tmp_path, "\n".join(lines) + "\n", "sleep.txt"))
    assert "the toddler room and from the pre-school room sleep, and" in text


def test_a_malformed_link_shows_its_text(tmp_path):
    text = (
        "# Links\n\n## Where to look\n\n"
        "Read the [safeguarding policy] (https://school.example/sg), the "
        "[DSL page](https://school.example/dsl page), the [code of conduct][conduct] and the "
        "[staff handbook](https://school.example/handbook\nbefore the first day.\n"
    )
    [passage] = passages(tmp_path, text)
    assert passage.text == (
        "Read the safeguarding policy, the DSL page, the code of conduct and the staff handbook "
        "before the first day."
    )
    assert not re.search(r"[\[\]()]|https?://", passage.text)
    assert ("safeguarding policy", "https://school.example/sg") in passage.links


def test_a_site_macro_marker_line_is_markup_and_its_content_is_kept(tmp_path):
    text = (
        "# Email protocol\n\n{inset-text}\n\n## Background\n\n"
        "{inset-text}\nWe reviewed every email sent to all staff over one half term.\n\n"
        "Most could have been a line in the weekly bulletin instead.\n{/inset-text}\n\n"
        "## Rules\n\n- Staff are not expected to reply after 6pm.\n{/inset-text}\n\n"
        '{inset-text}\n<div class="box">\n  <p>Staff can book the quiet room at lunch.</p>\n'
        "</div>\n{/inset-text}\n"
    )
    quoted = [p.text for p in passages(tmp_path, text)]
    assert quoted == [
        "We reviewed every email sent to all staff over one half term.",
        "Most could have been a line in the weekly bulletin instead.",
        "- Staff are not expected to reply after 6pm.",
        "Staff can book the quiet room at lunch.",
    ]


def test_template_code_in_a_page_is_not_text(tmp_path):
    text = (
        "# Behaviour\n\n## Rewards\n\n"
        "Staff give points in lessons.{% if trust %} The trust sets the scale.{% endif %}\n\n"
        "{{ partial 'footer' }}\n\n## Supporting resources\n\n"
        '<ul class="resource-card-group">\n'
        "  <%= render('/partials/resource_card.*', title: \"Behaviour report\" ,\n"
        '    download_links: [ { href: "#{@base_url}/files/report.docx" } ]) %>\n'
        "</ul>\n"
    )
    quoted = [p.text for p in passages(tmp_path, text)]
    assert quoted == ["Staff give points in lessons. The trust sets the scale."]


def test_bold_label_lines_are_fields_and_an_html_heading_is_a_heading(tmp_path):
    text = (
        "# Staff wellbeing policy\n\n## School details\n\n"
        "**School name**: St Peter's School\n\n**Location**: Huntingdon\n\n"
        "**Number of pupils:** 1600\n\n"
        '<div class="info-box">\n  <h2 class="govuk-heading-m">\n    Impact and outcomes\n  </h2>\n'
        "  <p>\n    Staff turnover fell from 14% to 6% in three years.\n  </p>\n</div>\n\n"
        "<h3>Background</h3>\n\nWe surveyed every member of staff about their workload.\n"
    )
    found = passages(tmp_path, text)
    sections = {p.section for p in found}
    assert sections == {"School details", "Impact and outcomes", "Background"}
    [details] = [p.text for p in found if p.section == "School details"]
    assert "Location: Huntingdon" in details and "Number of pupils: 1600" in details
    [impact] = [p.text for p in found if p.section == "Impact and outcomes"]
    assert impact == "Staff turnover fell from 14% to 6% in three years."
