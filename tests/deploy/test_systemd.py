"""The shipped systemd unit: systemd itself parses it, and it runs kzgraph hardened."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .settings import settings_of, unknown

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "systemd" / "kzgraph.service"
SHIPPED_BINARY = "/opt/kzgraph/bin/kzgraph"


def entries(text: str) -> dict[str, list[str]]:
    """Key -> values (a key may repeat in a unit, as SystemCallFilter does)."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (it comes with systemd)")
def test_systemd_parses_the_unit_without_a_warning(tmp_path):
    # verify checks that ExecStart's program exists: point it at this environment's kzgraph.
    kzgraph = Path(sys.executable).parent / "kzgraph"
    unit = tmp_path / "kzgraph.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(SHIPPED_BINARY, str(kzgraph)),
                    encoding="utf-8")
    run = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                         text=True, timeout=60)
    said = [line for line in (run.stdout + run.stderr).splitlines() if "kzgraph.service" in line]
    assert run.returncode == 0 and said == [], "\n".join(said) or run.stderr


def test_the_unit_is_hardened_and_restarts_on_failure():
    unit = entries(UNIT.read_text(encoding="utf-8"))
    assert unit["DynamicUser"] == ["yes"] and unit["NoNewPrivileges"] == ["yes"]
    assert unit["ProtectSystem"] == ["strict"] and unit["Restart"] == ["on-failure"]
    assert unit["ExecStart"] == [f"{SHIPPED_BINARY} serve"]


def test_kzgraph_may_write_where_the_unit_points_it_and_nowhere_else():
    text = UNIT.read_text(encoding="utf-8")
    settings = settings_of(text)
    writable = entries(text)["ReadWritePaths"][0].split()
    assert sorted(writable) == sorted([settings.data_dir, settings.store_cache])
    assert {f"/var/lib/{d}" for d in entries(text)["StateDirectory"]} == {settings.data_dir}
    assert {f"/var/cache/{d}" for d in entries(text)["CacheDirectory"]} == {settings.store_cache}


def test_the_unit_listens_where_the_nginx_site_sends_requests():
    settings = settings_of(UNIT.read_text(encoding="utf-8"))
    site = (UNIT.parents[1] / "nginx" / "kzgraph.conf").read_text(encoding="utf-8")
    assert f"server {settings.host}:{settings.port};" in site
    assert settings.forwarded_allow_ips == "127.0.0.1" and settings.public_url.startswith("https://")


def test_the_unit_sets_only_variables_kzgraph_reads():
    assert unknown(UNIT.read_text(encoding="utf-8")) == set()
