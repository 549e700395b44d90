"""The `staffguide` command line: the JSON contract scripts rely on, the human answer, and clean errors.

Most cases run in-process through `bot.cli.main(argv)` (the model is loaded
once per session); a few run the installed `staffguide` script in a
subprocess, because only a real process shows the exit code, stdout/stderr
split and raw stdin bytes exactly as a caller sees them (each costs ~7 s).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from search_fixtures import BUNDLED_POLICIES, bundled_index_dir, write_small_policy

from bot.cli import DECLINED, EXIT_USAGE, format_answer, main
from embeddings.adapter import SPIN_TURNS
from embeddings.late import FIRST

SCRIPT = Path(sys.executable).with_name("staffguide")
PASSAGE_KEYS = {"document", "section", "text", "score"}


@pytest.fixture(scope="module")
def index_dir() -> Path:
    return bundled_index_dir()


def run_cli(index_dir: Path, *args: str) -> list[str]:
    return ["--policies", str(BUNDLED_POLICIES), "--index-dir", str(index_dir), "-q", *args]


def staffguide(args: list[str], stdin: bytes = b"", timeout: float = 120) -> subprocess.CompletedProcess:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(command + args, input=stdin, capture_output=True, timeout=timeout, env=env)


def assert_answer_object(obj: dict, question: str, top_k: int) -> None:
    assert set(obj) == {"question", "answered", "ambiguous", "passages"}
    assert obj["question"] == question
    assert isinstance(obj["answered"], bool) and isinstance(obj["ambiguous"], bool)
    assert obj["answered"] or not obj["ambiguous"], "only an answer can be a close call"
    passages = obj["passages"]
    assert isinstance(passages, list) and len(passages) <= top_k
    for p in passages:
        assert set(p) >= PASSAGE_KEYS, p.keys()
        assert all(isinstance(p[k], str) and p[k] for k in ("document", "section", "text"))
        assert isinstance(p["score"], float)
    scores = [p["score"] for p in passages]
    # best first: the fusion's first twenty put in order again with their words' match (late), then the rest
    assert scores[FIRST:] == sorted(scores[FIRST:], reverse=True) and all(
        s >= max(scores[FIRST:], default=0) for s in scores[:FIRST]
    )


# --- the JSON contract -------------------------------------------------------------------------


def test_ask_json_prints_one_object_in_a_real_process(index_dir):
    question = "Can I friend an ex-student?"
    run = staffguide(run_cli(index_dir, "ask", "--json", "--top-k", "2", question))
    assert run.returncode == 0, run.stderr.decode()
    lines = run.stdout.decode().splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert_answer_object(obj, question, top_k=2)
    assert obj["answered"] is True and len(obj["passages"]) == 2
    assert "ex-students" in " ".join(p["text"] for p in obj["passages"])
    assert b"Traceback" not in run.stderr


@pytest.mark.parametrize("top_k", [1, 3, 7, 20])
def test_ask_json_returns_at_most_top_k_passages_best_first(index_dir, capsys, top_k):
    question = "who do I report cyberbullying to?"
    assert main(run_cli(index_dir, "ask", "--json", "--top-k", str(top_k), question)) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    obj = json.loads(out[0])
    assert_answer_object(obj, question, top_k)
    assert len(obj["passages"]) == top_k


def test_ask_json_for_an_out_of_policy_question_says_not_answered(index_dir, capsys):
    assert main(run_cli(index_dir, "ask", "--json", "What is the staff dress code?")) == 0
    obj = json.loads(capsys.readouterr().out)
    assert_answer_object(obj, "What is the staff dress code?", 3)
    assert obj["answered"] is False


def test_a_question_given_as_several_words_is_one_question(index_dir, capsys):
    assert main(run_cli(index_dir, "ask", "--json", "can", "I", "friend", "an", "ex-student?")) == 0
    assert json.loads(capsys.readouterr().out)["question"] == "can I friend an ex-student?"


STDIN_QUESTIONS = [
    b"Can I friend an ex-student?",
    b"",
    b"What is the staff dress code?",
    b"   ",
    b"\xff\xfe\x00\x01 binary \x80\x81 junk \xc3\x28",
    b"who do I tell about cyber bullying " + b"x" * 100_000,
    b"\x00",
    "caf\u00e9 parents WhatsApp group \u2014 ok? \U0001f914".encode(),
    b"",
]


def test_stdin_mode_answers_each_line_with_one_json_line_in_a_real_process(index_dir):
    questions = [q for q in STDIN_QUESTIONS if q.strip()]
    run = staffguide(run_cli(index_dir, "ask", "--json", "--top-k", "2"), stdin=b"\n".join(STDIN_QUESTIONS))
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    lines = run.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(questions) == 6
    objects = [json.loads(line) for line in lines]
    for question, obj in zip(questions, objects, strict=True):
        assert_answer_object(obj, question.decode("utf-8", errors="replace").strip(), top_k=2)
    assert objects[0]["answered"] and not objects[1]["answered"]
    assert objects[4]["question"] == "\x00" and objects[4]["passages"] == []
    assert len(objects[3]["question"]) > 100_000
    assert b"Traceback" not in run.stderr


def test_stdin_mode_in_process_skips_blank_lines(index_dir, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\n\nCan I friend an ex-student?\r\n\n")))
    assert main(run_cli(index_dir, "ask", "--json")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["question"] == "Can I friend an ex-student?"


# --- the answer for a person -------------------------------------------------------------------


def confident(question: str, top_k: int):
    """The engine's passages for `question`, shown as a confident answer (the layout under test)."""
    from search_fixtures import bundled_engine

    from embeddings.decision import Outcome
    from embeddings.search import Answer

    return Answer(question, Outcome.ANSWER, bundled_engine().search(question, top_k).hits)


def test_human_answer_shows_section_quote_source_and_see_also():
    answer = confident("Can I friend an ex-student?", 3)
    lines = format_answer(answer).splitlines()
    assert lines[0] == answer.hits[0].passage.section
    quoted = " ".join(line[4:] for line in lines if line.startswith("  > "))
    assert " ".join(answer.hits[0].passage.text.split()) == " ".join(quoted.split())
    assert f"  ({answer.hits[0].passage.document})" in lines
    see_also = lines[lines.index("See also:") + 1 :]
    assert len(see_also) == 2 and all(line.startswith("  - ") for line in see_also)


def test_human_answer_with_top_k_1_has_no_see_also():
    assert "See also" not in format_answer(confident("Can I friend an ex-student?", 1))


def test_an_unsure_answer_is_a_numbered_choice_holding_the_rule(index_dir, capsys):
    """On a first day (base model, nothing taught) the friend question is a close call: a choice."""
    assert main(run_cli(index_dir, "ask", "Can I friend an ex-student?")) == 0
    out = capsys.readouterr().out
    assert out.startswith("Which of these answers your question?")
    assert [line[:3] for line in out.splitlines() if line[:1].isdigit()] == ["1. ", "2. ", "3. "]
    assert "ex-students except via professional networking sites" in " ".join(out.replace("  > ", "").split())


def test_human_answer_declines_an_out_of_policy_question(index_dir, capsys):
    assert main(run_cli(index_dir, "ask", "What is the staff dress code?")) == 0
    assert capsys.readouterr().out.strip() == DECLINED
    assert "does not cover" in DECLINED


def test_the_index_command_reports_reuse(index_dir, capsys):
    # --no-adapt: adapting is bench_adaptation's to measure, and would change the shared index
    assert main(run_cli(index_dir, "index", "--no-adapt")) == 0
    assert capsys.readouterr().out.startswith("reused: ")


def test_the_index_command_trains_with_waiting_threads_that_sleep_soon(index_dir, monkeypatch):
    """Its training shares the cores with whatever else runs (embeddings.adapter.SPIN_TURNS)."""
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    assert main(run_cli(index_dir, "index", "--no-adapt")) == 0
    assert os.environ["GOMP_SPINCOUNT"] == SPIN_TURNS
    monkeypatch.setenv("GOMP_SPINCOUNT", "500")  # an operator's own choice stays
    assert main(run_cli(index_dir, "index", "--no-adapt")) == 0
    assert os.environ["GOMP_SPINCOUNT"] == "500"


def test_evaluate_prints_reach_and_wrong_answers_and_lists_each_miss_with_what_was_shown(
    index_dir, capsys, tmp_path
):
    questions = tmp_path / "q.jsonl"
    rows = [
        {"question": "Can I friend an ex-student?", "in_policy": True, "evidence": ["ex-students"]},
        {"question": "can i add a pupil on fb", "in_policy": True, "evidence": ["no words of the policy"]},
        {"question": "When do we get paid in December?", "in_policy": False, "evidence": []},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert main(run_cli(index_dir, "evaluate", "-v", str(questions))) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("hit@1 1/2 (0.50)  hit@3 1/2 (0.50)  reach 1/2 (0.50)  ")
    assert out[-1].endswith("out-of-policy declined 1/1")
    # the question no passage can answer is listed, with the passage shown first for it
    assert out[:-1] == [next(line for line in out if "'can i add a pupil on fb' -> " in line)]


def test_evaluate_names_the_bad_line_of_a_questions_file(index_dir, capsys, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "a", "in_policy": true, "evidence": ["x"]}\n{"question": "b"}\n')
    code = main(run_cli(index_dir, "evaluate", str(questions)))
    assert_one_line_error(capsys, code, "q.jsonl", "line 2", "in_policy")


@pytest.mark.parametrize("adapt", [True, False])
def test_ask_notes_on_stderr_when_the_model_is_not_adapted_to_the_policies_yet(tmp_path, caplog, adapt):
    write_small_policy(tmp_path / "policies")
    (tmp_path / "config.toml").write_text(
        f'[knowledge]\ndir = "policies"\nindex_dir = "index"\nadapt = {str(adapt).lower()}\n'
        '[storage]\ndatabase = "bot.db"\n'
    )
    assert main(["--config", str(tmp_path / "config.toml"), "ask", "--json", "school trip phone"]) == 0
    noted = "not adapted to these policies yet" in caplog.text
    assert noted == adapt, "noted only where the model would be adapted"


# --- errors: one line, exit code 2, never a traceback ------------------------------------------


def assert_one_line_error(capsys, code: int, *expect: str) -> str:
    captured = capsys.readouterr()
    assert code == EXIT_USAGE
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("staffguide: ")
    assert "Traceback" not in captured.err
    for text in expect:
        assert text in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "args, expect",
    [
        (["ask", ""], "empty"),
        (["ask", "   "], "empty"),
        (["ask", "?!", "..."], "empty"),
        (["ask", "--top-k", "0", "Can I friend an ex-student?"], "--top-k"),
        (["ask", "--top-k", "21", "Can I friend an ex-student?"], "--top-k"),
        (["ask", "--json", "--top-k", "-1"], "--top-k"),
        (["ask"], "give a question"),
    ],
    ids=["empty", "whitespace", "no words", "top-k 0", "top-k 21", "top-k -1 json", "no question"],
)
def test_bad_ask_arguments_are_one_line_errors(index_dir, capsys, args, expect):
    assert_one_line_error(capsys, main(run_cli(index_dir, *args)), expect)


def _missing(tmp: Path) -> Path:
    return tmp / "no-such-folder"


def _empty(tmp: Path) -> Path:
    (tmp / "empty").mkdir()
    return tmp / "empty"


def _only_unreadable(tmp: Path) -> Path:
    """Byte 0x81 is neither UTF-8 nor Windows-1252."""
    (tmp / "odd").mkdir()
    (tmp / "odd" / "policy.txt").write_bytes(b"Caf\x81 rules\n\nStaff pay for coffee.")
    return tmp / "odd"


@pytest.mark.parametrize(
    "make_folder, expect",
    [(_missing, "does not exist"), (_empty, "no policies"), (_only_unreadable, "not UTF-8")],
    ids=["missing folder", "empty folder", "only a file in no known encoding"],
)
def test_an_unusable_policy_folder_is_a_one_line_error(tmp_path, capsys, make_folder, expect):
    folder = make_folder(tmp_path)
    code = main(["--policies", str(folder), "--index-dir", str(tmp_path / "index"), "ask", "a question"])
    assert_one_line_error(capsys, code, expect)


def test_a_missing_policy_folder_fails_cleanly_in_a_real_process(tmp_path):
    """The model starts loading in a thread at once; an early error must still exit cleanly."""
    run = staffguide(
        ["--policies", str(tmp_path / "gone"), "--index-dir", str(tmp_path / "index"), "ask", "hello there"]
    )
    assert run.returncode == EXIT_USAGE
    assert run.stdout == b""
    err = run.stderr.decode().strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0], run.stderr.decode()


def test_a_damaged_pdf_is_named_in_one_line_without_the_pdf_library_s_own_warnings(tmp_path):
    """pypdf logs what it found wrong inside the file ("EOF marker not found"), naming no file; the
    reader's own error already says which file and what to do, so those lines are only noise."""
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "code-of-conduct.pdf").write_bytes(b"%PDF-1.4 cut off in the post")
    run = staffguide(
        [
            "--policies",
            str(tmp_path / "policies"),
            "--index-dir",
            str(tmp_path / "index"),
            "ask",
            "hello there",
        ]
    )
    assert run.returncode == EXIT_USAGE
    err = [line for line in run.stderr.decode().splitlines() if "building the search index" not in line]
    assert len(err) == 1 and "code-of-conduct.pdf: the file could not be read as a PDF" in err[0], err


CONFIGS = {
    "unknown key": ('[knowledge]\ndirectory = "policies"\n', "unknown key 'directory'"),
    "unknown section": ("[search]\ntop_k = 3\n", "unknown section [search]"),
    "wrong type": ('[knowledge]\nthreshold = "high"\n', "must be a number"),
    "not TOML": ("[knowledge\nthreshold = 0.4\n", "not valid TOML"),
    "threshold above 1": ("[knowledge]\nthreshold = 4.0\n", "at most 1"),
}


@pytest.mark.parametrize("case", list(CONFIGS))
def test_a_bad_config_file_is_a_one_line_error(tmp_path, capsys, case):
    text, expect = CONFIGS[case]
    config = tmp_path / "config.toml"
    config.write_text(text)
    code = main(["--config", str(config), "ask", "Can I friend an ex-student?"])
    assert_one_line_error(capsys, code, "config error", expect)


def test_a_config_file_saved_as_cp1252_is_a_one_line_error(tmp_path, capsys):
    """Notepad's "ANSI" (cp1252): a curly apostrophe is byte 0x92, which is not UTF-8."""
    config = tmp_path / "config.toml"
    config.write_bytes('[school]\nname = "St Crispin\u2019s School"\n'.encode("cp1252"))
    code = main(["--config", str(config), "ask", "Can I friend an ex-student?"])
    assert_one_line_error(capsys, code, "config error", "not UTF-8")


def test_a_missing_config_file_is_a_one_line_error_in_a_real_process(tmp_path):
    run = staffguide(["--config", str(tmp_path / "nope.toml"), "ask", "Can I friend an ex-student?"])
    assert run.returncode == EXIT_USAGE
    err = run.stderr.decode().strip().splitlines()
    assert len(err) == 1 and "not found" in err[0] and "Traceback" not in err[0]


def test_a_good_config_file_points_at_its_policies_relative_to_itself(tmp_path, capsys):
    write_small_policy(tmp_path / "policies")
    (tmp_path / "config.toml").write_text('[knowledge]\ndir = "policies"\nindex_dir = "index"\n')
    code = main(["--config", str(tmp_path / "config.toml"), "-q", "ask", "--json", "school trip phone"])
    assert code == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["passages"][0]["document"] == "Phone Policy"
    assert (tmp_path / "index" / "manifest.json").exists()


# --- version, help pages, read-only commands ------------------------------------------------------


def test_version_prints_the_installed_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"staffguide {version('staffguide')}"


@pytest.mark.parametrize("command", ["stats", "backup", "restore", "check", "serve", "index", "ask"])
def test_each_command_help_says_what_it_does_and_lists_only_its_options(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    page = capsys.readouterr().out
    description = page.split("\n\n")[1]
    assert len(description.split()) >= 8, f"{command} --help has no description: {page}"
    searches = command in ("check", "serve", "index", "ask")
    assert ("--policies" in page) is searches and ("--index-dir" in page) is searches, page
    assert "--config" in page


def test_stats_without_a_config_refuses_and_creates_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["stats"])
    assert_one_line_error(capsys, code, "error", "--config")
    assert list(tmp_path.iterdir()) == [], "no database was created"


def test_stats_never_creates_a_database_that_is_not_there(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndatabase = "typo.db"\n')
    code = main(["--config", str(config), "stats"])
    assert_one_line_error(capsys, code, "error", f"there is no database at {tmp_path / 'typo.db'}")
    assert not (tmp_path / "typo.db").exists()


def test_stats_says_which_database_it_reads(tmp_path, capsys):
    from bot.storage import open_db

    config = tmp_path / "config.toml"
    config.write_text('[school]\nname = "Test School"\n[storage]\ndatabase = "bot.db"\n')
    open_db(tmp_path / "bot.db").conn.close()
    assert main(["--config", str(config), "stats"]) == 0
    captured = capsys.readouterr()
    assert f"Test School, from {tmp_path / 'bot.db'}" in captured.err
    assert "weekly digest — Test School" in captured.out
