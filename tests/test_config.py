"""Configuration: the example file documents every key; mistakes are one line and exit code 2."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import TOKEN_ENV, Config, ConfigError, load_config, toml_key

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def known_keys() -> dict[str, dict[str, str]]:
    """Every section bot/config.py knows: each key as written in the file, and its field."""
    config = Config()
    return {
        section.name: {toml_key(f): f.name for f in fields(getattr(config, section.name))}
        for section in fields(Config)
        if section.name != "source"
    }


def test_example_documents_every_key_with_its_default() -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    known = known_keys()
    assert set(data) == set(known)
    example, defaults = load_config(EXAMPLE, env={}), Config()
    text = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for section, keys in known.items():
        assert set(data[section]) == set(keys), section
        for key, name in keys.items():
            default = getattr(getattr(defaults, section), name)
            if isinstance(default, Path):
                continue  # paths are written relative to the example file
            value = getattr(getattr(example, section), name)
            assert value == default, f"[{section}] {key}: example {value!r}, default {default!r}"
            line = next(i for i, line in enumerate(text) if re.match(rf"{key}\s*=", line))
            assert text[line - 1].startswith("#"), f"[{section}] {key} has no comment above it"


def test_example_loads(tmp_path: Path) -> None:
    config = load_config(EXAMPLE, env={})
    assert config.knowledge.dir == ROOT / "knowledge" / "policies"
    assert config.storage.database == ROOT / "staffguide.db"
    assert config.people.head_teacher == []


def test_environment_token_wins(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:FILE"\n')
    assert load_config(path, env={}).telegram.token == "1:FILE"
    assert load_config(path, env={TOKEN_ENV: "2:ENV"}).telegram.token == "2:ENV"


def test_values_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[people]\nhead_teacher = [1]\nstaff = [2, 3]\n[limits]\nquestions_per_minute = 5\n"
        '[storage]\ndatabase = "data/bot.db"\n',
    )
    config = load_config(path, env={})
    assert config.people.roles_of(1) == {"head_teacher"}
    assert config.people.staff == [2, 3]
    assert config.limits.questions_per_minute == 5
    assert config.storage.database == tmp_path / "data" / "bot.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[people]\nteacher = [1]\n", "unknown role 'teacher' in [people]"),
        ("[telegram]\ntokn = 'x'\n", "unknown key 'tokn' in [telegram]"),
        ("[skool]\nname = 'x'\n", "unknown section [skool]"),
        ("[people]\nstaff = ['Tess']\n", "[people] staff must be a list of Telegram user ids"),
        ("[people]\nstaff = 12\n", "[people] staff must be a list of Telegram user ids"),
        ("[limits]\nquestions_per_minute = 'many'\n", "[limits] questions_per_minute must be a whole number"),
        ("[limits]\nquestions_per_minute = 0\n", "questions_per_minute must be at least 1"),
        ("[school]\nname = 3\n", "[school] name must be a string"),
        ("[telegram]\nbase_url = 'ftp://x'\n", "base_url must start with http"),
        ("[storage\n", "is not valid TOML"),
        ("[school]\nhead_title = ''\n", "[school] head_title must be a title of 1-40 characters"),
        ("[school]\nchair_title = '" + "x" * 41 + "'\n", "[school] chair_title must be a title of 1-40"),
    ],
)
def test_mistakes_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_reports_are_kept_unless_the_school_sets_a_number_of_years(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, ""), env={}).storage.report_retention_years is None
    keep = write(tmp_path, '[storage]\nreport_retention = "keep"\n')
    assert load_config(keep, env={}).storage.report_retention_years is None
    for years in (1, 7, 100):
        path = write(tmp_path, f"[storage]\nreport_retention = {years}\n")
        assert load_config(path, env={}).storage.report_retention_years == years


@pytest.mark.parametrize("value", ["0", "101", "-3", '"7"', '"forever"', '"Keep"', "7.5", "true", "[7]"])
def test_a_report_retention_other_than_keep_or_1_to_100_years_is_one_line(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f"[storage]\nreport_retention = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert message.startswith(f"[storage] report_retention in {path} must be")
    assert '"keep" or a whole number of years from 1 to 100' in message
    assert "\n" not in message


def test_the_parsed_field_is_not_a_key_of_the_file(tmp_path: Path) -> None:
    """The file says `report_retention`; `report_retention_years` is the code's name for it."""
    path = write(tmp_path, "[storage]\nreport_retention_years = 7\n")
    with pytest.raises(ConfigError, match="unknown key 'report_retention_years'.*report_retention"):
        load_config(path, env={})


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    code = main(argv)
    return code, capsys.readouterr().err


def test_cli_exit_code_2_for_config_errors(tmp_path, capsys, monkeypatch) -> None:
    code, err = run_cli(["--config", str(tmp_path / "nope.toml"), "serve"], capsys, monkeypatch)
    assert code == 2
    assert err.strip().count("\n") == 0 and "config error" in err and "not found" in err

    path = write(tmp_path, "[people]\nteacher = [1]\n")
    code, err = run_cli(["--config", str(path), "serve"], capsys, monkeypatch)
    assert code == 2 and "unknown role 'teacher'" in err


def test_serve_needs_a_token_and_a_head_teacher(tmp_path, capsys, monkeypatch) -> None:
    path = write(tmp_path, "[people]\nhead_teacher = [1]\n")
    code, err = run_cli(["--config", str(path), "serve"], capsys, monkeypatch)
    assert code == 2 and "no bot token" in err and "Traceback" not in err

    path = write(tmp_path, '[telegram]\ntoken = "1:X"\n')
    code, err = run_cli(["--config", str(path), "serve"], capsys, monkeypatch)
    assert code == 2 and "head_teacher is empty" in err


def test_options_may_follow_the_command_name(tmp_path, capsys, monkeypatch) -> None:
    """`staffguide serve --config FILE`, as the README writes it, reads FILE."""
    path = write(tmp_path, "[people]\nteacher = [1]\n")
    code, err = run_cli(["serve", "--config", str(path)], capsys, monkeypatch)
    assert code == 2 and "unknown role 'teacher'" in err


def test_an_unreachable_telegram_is_one_line_at_start_up(tmp_path, capsys, monkeypatch) -> None:
    """Nothing listens on port 9: the bot says so in one line instead of a traceback."""
    path = write(
        tmp_path,
        '[telegram]\ntoken = "1:X"\nbase_url = "http://127.0.0.1:9/bot"\n'
        f'[people]\nhead_teacher = [1]\n[storage]\ndatabase = "{tmp_path / "bot.db"}"\n',
    )
    code, err = run_cli(["serve", "--config", str(path)], capsys, monkeypatch)
    assert code == 75, "worth retrying, unlike a configuration mistake (2)"
    assert "cannot reach Telegram at http://127.0.0.1:9/bot" in err
    assert "Traceback" not in err and err.strip().count("\n") == 0


# -- the setting's own words for reports ([school] pupil_word, report_categories, omit_categories) --


def test_report_words_default_to_a_secondary_school(tmp_path: Path) -> None:
    school = load_config(write(tmp_path, ""), env={}).school
    assert (school.pupil_word, school.report_categories, school.omit_categories) == ("pupil", {}, [])


def test_report_words_are_read_as_a_table_or_inline(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[school]\npupil_word = "child"\nomit_categories = ["data_leak", "reputation"]\n'
        '[school.report_categories]\nstaff_post = "Unsuitable post by a member of the team"\n',
    )
    school = load_config(path, env={}).school
    assert school.pupil_word == "child"
    assert school.report_categories == {"staff_post": "Unsuitable post by a member of the team"}
    assert school.omit_categories == ["data_leak", "reputation"]
    inline = write(tmp_path, '[school]\nreport_categories = { other = "Something else" }\n')
    assert load_config(inline, env={}).school.report_categories == {"other": "Something else"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('pupil_word = ""', "[school] pupil_word must be"),
        ('pupil_word = "child\\nren"', "[school] pupil_word must be"),
        ('pupil_word = "' + "x" * 31 + '"', "[school] pupil_word must be"),
        ('pupil_word = "year 6"', "[school] pupil_word must be"),
        ('report_categories = "child"', "must be a table of category = label"),
        ('report_categories = { bullying = "Bullying" }', "unknown report category 'bullying'"),
        ("report_categories = { harassment = 3 }", "harassment must be a label of 1-60"),
        ('report_categories = { harassment = "" }', "list it in omit_categories"),
        ('report_categories = { other = "' + "x" * 61 + '" }', "a label of 1-60 characters"),
        ('report_categories = { other = "two\\nlines" }', "a label of 1-60 characters on one line"),
        ('report_categories = { harassment = "Bullying", staff_post = "bullying" }', "the same label"),
        ('omit_categories = "data_leak"', 'must be a list of categories, e.g. ["data_leak"'),
        ('omit_categories = ["bullying"]', "unknown report category 'bullying'"),
        ('omit_categories = ["safeguarding"]', "safeguarding can never be left out"),
        ('omit_categories = ["indecent_image"]', "indecent_image can never be left out"),
        ('omit_categories = ["other"]', "other can never be left out"),
        ('omit_categories = ["triage"]', "triage is never offered in /report"),
    ],
)
def test_report_word_mistakes_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, f"[school]\n{text}\n"), env={})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_urgent_categories_can_be_relabelled_but_not_left_out(tmp_path: Path) -> None:
    path = write(tmp_path, '[school.report_categories]\nsafeguarding = "A child\'s safety or welfare"\n')
    assert load_config(path, env={}).school.report_categories["safeguarding"] == "A child's safety or welfare"
    with pytest.raises(ConfigError, match="urgent"):
        load_config(write(tmp_path, '[school]\nomit_categories = ["safeguarding"]\n'), env={})


def test_the_config_knows_the_same_category_keys_as_the_reports() -> None:
    from bot.config import ALWAYS_OFFERED, REPORT_CATEGORIES
    from bot.reports import vocabulary

    assert tuple(vocabulary.CATEGORIES) == REPORT_CATEGORIES
    assert set(ALWAYS_OFFERED) >= vocabulary.URGENT_CATEGORIES
