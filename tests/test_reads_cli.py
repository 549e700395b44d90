"""The command line side of policy reads: `staffguide index` keeps the versions, `staffguide reads`
prints who has confirmed, as /reads shows it."""

from __future__ import annotations

from pathlib import Path

from test_policy_library import PHONES_TXT, PHONES_V2

from bot import access, reads
from bot.cli import main
from bot.config import load_config
from bot.storage import open_db
from bot.text import reads as reads_text


def phone_config(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "phones.txt").write_text(PHONES_TXT)
    path = tmp_path / "config.toml"
    path.write_text(
        "[people]\nhead_teacher = [7001]\nstaff = [7101, 7102]\n"
        f'[knowledge]\ndir = "{folder}"\nindex_dir = "{tmp_path / "index"}"\n'
        f'[storage]\ndatabase = "{tmp_path / "staffguide.db"}"\n',
        encoding="utf-8",
    )
    return path


def test_index_records_a_changed_policy_and_reads_prints_the_same_progress_as_the_bot(
    tmp_path: Path, capsys
) -> None:
    config_path = phone_config(tmp_path)
    config = load_config(config_path)
    db = open_db(config.storage.database)
    assert main(["index", "-q", "--no-adapt", "--config", str(config_path)]) == 0
    assert "policy changed" not in capsys.readouterr().out, "the first version is the baseline"

    (config.knowledge.dir / "phones.txt").write_text(PHONES_V2)
    assert main(["index", "-q", "--no-adapt", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert "policy changed: Staff Phones Policy, version 2 (phones.txt), 1 section(s) changed" in out
    [version] = reads.to_ask(db)

    assert main(["reads", "--config", str(config_path)]) == 0
    assert "Staff Phones Policy, version 2 (phones.txt): waiting for the decision" in capsys.readouterr().out

    reads.decide(db, version.id, True, by=7001)
    reads.confirm(db, version.id, 7101, "Tess Teacher")
    assert main(["reads", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    members = [(m.user_id, m.name) for m in access.members(db, config)]
    assert out.strip() == reads_text.reads_report(reads.progress(db, members), [])
    assert "Staff Phones Policy, version 2 (phones.txt), asked" in out
    assert ": 1 of 3 confirmed, 2 not yet" in out
    assert "not yet (2): id 7001, id 7102" in out and "confirmed (1): Tess Teacher " in out
