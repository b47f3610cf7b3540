"""Offline checks of what HACS and hassfest look at: manifest, translations, services, brand."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

import yaml

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "wactorz"


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_has_what_hacs_and_hassfest_require() -> None:
    """Domain, version, config flow, links and owners are present and consistent."""
    manifest = _json(INTEGRATION / "manifest.json")
    for key in (
        "domain",
        "name",
        "version",
        "documentation",
        "issue_tracker",
        "codeowners",
        "config_flow",
        "iot_class",
        "integration_type",
        "requirements",
    ):
        assert key in manifest, key
    assert manifest["domain"] == "wactorz"
    assert manifest["config_flow"] is True
    assert "mqtt" in manifest["after_dependencies"]
    assert "mqtt" not in manifest.get("dependencies", [])  # works without MQTT
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{manifest["version"]}"' in pyproject


def test_hacs_metadata() -> None:
    """hacs.json names the integration and a minimum HA version; info.md exists."""
    hacs = _json(ROOT / "hacs.json")
    assert hacs["name"] == "Wactorz"
    assert hacs["homeassistant"].startswith("2026.")
    assert (ROOT / "info.md").read_text(encoding="utf-8").strip()


def test_brand_images_present() -> None:
    """The brand folder holds the icons and logos HA serves for custom integrations."""
    names = {p.name for p in (INTEGRATION / "brand").glob("*.png")}
    assert {"icon.png", "icon@2x.png", "logo.png", "logo@2x.png"} <= names


def test_translations_are_built_from_strings() -> None:
    """translations/en.json is what scripts/translations.py makes from strings.json."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "translations.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[%key:" not in (INTEGRATION / "translations" / "en.json").read_text(
        encoding="utf-8"
    )


def test_every_service_is_described_and_translated() -> None:
    """services.yaml, strings.json and icons.json describe the same services and fields."""
    services = yaml.safe_load(
        (INTEGRATION / "services.yaml").read_text(encoding="utf-8")
    )
    strings = _json(INTEGRATION / "strings.json")["services"]
    icons = _json(INTEGRATION / "icons.json")["services"]
    assert set(services) == set(strings) == set(icons)
    for name, spec in services.items():
        assert set(spec.get("fields", {})) == set(strings[name].get("fields", {})), name


def test_translation_keys_used_in_code_exist() -> None:
    """Every translation_key in the code has a string."""
    strings = _json(INTEGRATION / "strings.json")
    source = "\n".join(p.read_text(encoding="utf-8") for p in INTEGRATION.rglob("*.py"))
    for key in strings["exceptions"]:
        # the manual agent's errors are raised by their suffix and translated as manual_<key>
        suffix = key.removeprefix("manual_")
        assert f'"{key}"' in source or f'"{suffix}"' in source, (
            f"unused exception string {key}"
        )
    for platform, entities in strings["entity"].items():
        for key in entities:
            assert f'"{key}"' in source, f"{platform}.{key} not used"


def test_quality_scale_lists_every_rule() -> None:
    """quality_scale.yaml rates every rule of the scale (done, todo or exempt with a reason)."""
    rules = yaml.safe_load(
        (INTEGRATION / "quality_scale.yaml").read_text(encoding="utf-8")
    )["rules"]
    assert len(rules) == 54
    for name, status in rules.items():
        if isinstance(status, dict):
            assert status["status"] in ("exempt", "todo", "done"), name
            if status["status"] == "exempt":
                assert status.get("comment"), name
        else:
            assert status in ("done", "todo"), name
