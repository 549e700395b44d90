"""The ways a school runs StaffGuide: the systemd unit and the container image.

systemd-analyze runs here when it is installed (the unit's paths are pointed at this
installation first, since /opt/staffguide does not exist on a test machine). Docker cannot build
on these machines (the client has no engine), so the Dockerfile is checked for what can be
checked without building: the torch pin and packages are pyproject.toml's, the image runs as a
non-root user with its data in a volume, and its default config loads and writes only there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.config import load_config

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "staffguide.service"
DOCKERFILE = ROOT / "Dockerfile"
CONTAINER_CONFIG = ROOT / "deploy" / "container-config.toml"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_unit_runs_serve_as_its_own_user_with_hardening() -> None:
    s = unit_settings()
    assert s["ExecStart"] == ["/opt/staffguide/bin/staffguide serve --config /etc/staffguide/config.toml"]
    assert s["User"] == ["staffguide"] and s["Restart"] == ["on-failure"]
    assert s["RestartPreventExitStatus"] == ["2"], "a config mistake (exit 2) is not restarted in a loop"
    assert s["StateDirectory"] == ["staffguide"] and s["ReadWritePaths"] == ["/var/lib/staffguide"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
    }.items():
        assert s[key] == [value], key
    assert "MemoryDenyWriteExecute" not in s, "PyTorch needs writable-executable memory"
    assert s["ExecReload"] == ["/bin/kill -HUP $MAINPID"], "SIGHUP re-reads [people]"


def installed_unit(tmp_path: Path) -> Path:
    """The unit with /opt/staffguide/bin pointed at this installation, as an installer would have it."""
    script = Path(sys.executable).with_name("staffguide")
    if not script.exists():
        pytest.skip(f"no installed staffguide script next to {sys.executable}")
    text = UNIT.read_text(encoding="utf-8").replace("/opt/staffguide/bin/staffguide", str(script))
    path = tmp_path / "staffguide.service"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_passes(tmp_path: Path) -> None:
    unit = installed_unit(tmp_path)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "staffguide.service" not in result.stderr, result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_security_exposure_is_low(tmp_path: Path) -> None:
    unit = installed_unit(tmp_path)
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0 and "offline" in result.stderr:
        pytest.skip("this systemd-analyze cannot score a unit offline")
    found = re.search(r"Overall exposure level for staffguide.service: ([\d.]+)", result.stdout)
    assert found, result.stdout[-500:] + result.stderr
    assert float(found.group(1)) <= 3.0, "systemd rates 0-10; under 3 is 'OK'"


def dockerfile() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


def test_dockerfile_installs_pyprojects_exact_cpu_torch_pin() -> None:
    pin = next(d for d in PYPROJECT["project"]["dependencies"] if d.startswith("torch"))
    assert re.fullmatch(r"torch==[\d.]+", pin), "pyproject pins torch exactly"
    text = dockerfile()
    assert "--index-url https://download.pytorch.org/whl/cpu" in text
    # The Dockerfile reads the pin from pyproject.toml with this shell pipeline: run it here.
    found = re.search(r"\$\((grep .*?pyproject\.toml \| tr -d '\"')\)", text)
    assert found, "the torch pin is read from pyproject.toml, not repeated"
    out = subprocess.run(["sh", "-c", found.group(1)], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == pin
    assert re.search(r"^\s*&& pip install \. \\$", text, re.M), "then the project itself, as `make` does"


def test_dockerfile_copies_every_package_and_its_data() -> None:
    text = dockerfile()
    for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert re.search(rf"^COPY {package} \./{package}$", text, re.M), package
    assert "COPY pyproject.toml README.md ./" in text


def test_package_data_covers_every_data_file_the_code_reads() -> None:
    """`pip install .` (the image, a service install) ships only declared data, unlike `pip install -e`."""
    declared = PYPROJECT["tool"]["setuptools"]["package-data"]
    for package in ("bot", "knowledge", "embeddings"):
        for source in (ROOT / package).rglob("*.py"):
            for name in re.findall(r'Path\(__file__\)\.with_name\("([^"]+)"\)', source.read_text()):
                patterns = declared.get(package, [])
                assert any(Path(name).match(p) for p in patterns), f"{package}/{name} is not package data"


def test_image_runs_as_non_root_with_data_in_a_volume() -> None:
    text = dockerfile()
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert 'VOLUME ["/data"]' in text
    assert "HF_HUB_OFFLINE=1" in text, "the model is bundled; nothing is fetched at run time"
    assert (
        'CMD ["staffguide", "serve", "--config", "/etc/staffguide/config.toml", "--wait-for-telegram"]'
        in text
    )
    assert "COPY deploy/container-config.toml /etc/staffguide/config.toml" in text


def test_containers_default_config_writes_only_under_data() -> None:
    config = load_config(CONTAINER_CONFIG, env={})
    for path in (config.storage.database, config.knowledge.index_dir, config.backup.dir):
        assert path.is_relative_to("/data"), path


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "*.db", "/config.toml"} <= set(ignored)


def test_image_health_check_runs_the_heartbeat_probe_on_the_images_config(capsys) -> None:
    from bot.cli import EXIT_ERROR, main

    found = re.search(r"^HEALTHCHECK (.*?)\\\n\s+CMD (\[.*\])$", dockerfile(), re.M)
    assert found, "the image has a HEALTHCHECK"
    assert "--start-period=" in found.group(1), "loading the model is not counted as unhealthy"
    command = json.loads(found.group(2))
    assert command[:2] == ["staffguide", "health"]
    config = command[command.index("--config") + 1]
    assert config == "/etc/staffguide/config.toml"
    # The probe reads the image's default config as it is and, with no bot running, fails in one line.
    assert main([*command[1:-1], str(CONTAINER_CONFIG)]) == EXIT_ERROR
    assert capsys.readouterr().err.strip() == (
        "staffguide: unhealthy: no StaffGuide bot is running on /data/staffguide.db"
    )


def test_units_install_steps_put_cpu_torch_first_at_pyprojects_pin() -> None:
    """Following the unit's comment must not pull the multi-GB CUDA build of PyTorch."""
    pin = next(d for d in PYPROJECT["project"]["dependencies"] if d.startswith("torch"))
    steps = [line.lstrip("# ").strip() for line in UNIT.read_text(encoding="utf-8").splitlines()]
    torch = next(i for i, s in enumerate(steps) if s.startswith("sudo /opt/staffguide/bin/pip install torch"))
    project = next(i for i, s in enumerate(steps) if s.endswith("pip install /path/to/staffguide"))
    assert torch < project
    assert steps[torch].split() == [
        "sudo",
        "/opt/staffguide/bin/pip",
        "install",
        pin,
        "--index-url",
        "https://download.pytorch.org/whl/cpu",
    ]


def test_documented_restart_policy_stops_on_a_config_mistake() -> None:
    """Docker cannot skip restarts for exit code 2 (the unit can), so the docs use on-failure:N,
    never unless-stopped or always, which restart a configuration mistake for ever."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (dockerfile(), readme):
        policies = re.findall(r"--restart[ =]([\w:-]+)", text)
        assert policies and all(re.fullmatch(r"on-failure:\d+", p) for p in policies), policies


def test_containers_default_config_is_refused_in_one_line_with_exit_2(capsys, monkeypatch) -> None:
    from bot.cli import EXIT_USAGE, main

    monkeypatch.setenv("STAFFGUIDE_TELEGRAM_TOKEN", "1:X")
    assert main(["serve", "--config", str(CONTAINER_CONFIG)]) == EXIT_USAGE
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "head_teacher is empty" in line and "head_teacher = [123456789]" in line


def test_containers_webhook_listens_beyond_the_containers_loopback() -> None:
    config = load_config(CONTAINER_CONFIG, env={})
    assert config.telegram.webhook_listen == "0.0.0.0"
    assert f"EXPOSE {config.telegram.webhook_port}" in dockerfile()
