"""Offline checks of what HACS and hassfest look at.

Manifest, translations, services, icons, brand images, the quality scale.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import re
import struct
import subprocess
import sys

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
import yaml

from homeassistant.const import __version__ as HA_VERSION

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "wactorz"

# What hassfest (script/hassfest/manifest.py) and HACS accept.
MANIFEST_KEYS = {
    "after_dependencies",
    "bluetooth",
    "codeowners",
    "config_flow",
    "dependencies",
    "dhcp",
    "documentation",
    "domain",
    "homekit",
    "import_executor",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "loggers",
    "mqtt",
    "name",
    "requirements",
    "single_config_entry",
    "ssdp",
    "usb",
    "version",
    "zeroconf",
}
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
    "virtual",
}
HACS_KEYS = {
    "content_in_root",
    "country",
    "filename",
    "hacs",
    "hide_default_branch",
    "homeassistant",
    "name",
    "persistent_directory",
    "render_readme",
    "zip_release",
}
# The rules of Home Assistant's integration quality scale, by tier.
QUALITY_RULES = {
    "bronze": (
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ),
    "silver": (
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ),
    "platinum": ("async-dependency", "inject-websession", "strict-typing"),
}


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


def test_manifest_follows_hassfest_rules() -> None:
    """hassfest: key order, known values, existing dependencies, pinned requirements."""
    manifest = _json(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"], "domain and name come first"
    assert keys[2:] == sorted(keys[2:]), "then the keys in alphabetical order"
    assert set(keys) <= MANIFEST_KEYS, set(keys) - MANIFEST_KEYS
    assert manifest["domain"] == INTEGRATION.name
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["integration_type"] in INTEGRATION_TYPES
    for url in (manifest["documentation"], manifest["issue_tracker"]):
        assert url.startswith("https://"), url
    assert manifest["codeowners"]
    assert all(re.fullmatch(r"@[\w.-]+(/[\w.-]+)?", o) for o in manifest["codeowners"])
    assert (INTEGRATION / "config_flow.py").is_file()
    dependencies = manifest.get("dependencies", [])
    after = manifest.get("after_dependencies", [])
    assert dependencies == sorted(dependencies) and after == sorted(after)
    assert not set(dependencies) & set(after), "a domain is either a dependency or not"
    for domain in (*dependencies, *after):
        spec = importlib.util.find_spec(f"homeassistant.components.{domain}")
        assert spec is not None, f"{domain} is not a Home Assistant integration"
    for requirement in manifest["requirements"]:
        assert re.fullmatch(
            r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[\w,]+\])?==[\w.]+", requirement
        ), f"{requirement} is not pinned"
    assert manifest["requirements"] == sorted(manifest["requirements"], key=str.lower)
    version = AwesomeVersion(manifest["version"])
    assert version.strategy in (
        AwesomeVersionStrategy.SEMVER,
        AwesomeVersionStrategy.SIMPLEVER,
        AwesomeVersionStrategy.CALVER,
        AwesomeVersionStrategy.PEP440,
    ), "custom integrations need a version hassfest and HACS can compare"


def test_hacs_metadata() -> None:
    """hacs.json has only keys HACS knows, a name and a minimum HA version; info.md exists."""
    hacs = _json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS, set(hacs) - HACS_KEYS
    assert hacs["name"] == "Wactorz"
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion(HA_VERSION)
    assert hacs["homeassistant"].startswith("2026.")
    assert hacs.get("content_in_root") is False
    assert (ROOT / "info.md").read_text(encoding="utf-8").strip()
    assert (ROOT / "README.md").read_text(encoding="utf-8").strip()


def test_one_integration_in_custom_components() -> None:
    """HACS installs one integration: custom_components/ holds exactly one."""
    integrations = [
        p.parent.name for p in (ROOT / "custom_components").glob("*/manifest.json")
    ]
    assert integrations == ["wactorz"]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", (
        f"{path.name} is no PNG"
    )
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_brand_images_present() -> None:
    """The brand folder holds the icons and logos HA serves, at the sizes of HA's brands rules."""
    brand = INTEGRATION / "brand"
    names = {p.name for p in brand.glob("*.png")}
    assert {"icon.png", "icon@2x.png", "logo.png", "logo@2x.png"} <= names
    for name in names:
        width, height = _png_size(brand / name)
        hidpi = "@2x" in name
        if "icon" in name:  # square, 256 (512 hDPI)
            assert (width, height) == ((512, 512) if hidpi else (256, 256)), name
        else:  # shortest side 128-256 (256-512 hDPI)
            low = 256 if hidpi else 128
            assert low <= min(width, height) <= 2 * low, (name, width, height)
        if name.startswith("dark_"):
            assert (width, height) == _png_size(brand / name.removeprefix("dark_"))


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
        spec = spec or {}
        assert set(spec.get("fields", {})) == set(strings[name].get("fields", {})), name
        assert strings[name].get("name") and strings[name].get("description"), name
        for field, text in strings[name].get("fields", {}).items():
            assert text.get("name") and text.get("description"), f"{name}.{field}"
        for field, field_spec in spec.get("fields", {}).items():
            assert "selector" in field_spec, f"{name}.{field} has no selector"
        assert icons[name]["service"].startswith("mdi:"), name


def test_icons_and_strings_agree() -> None:
    """icons.json: mdi icons for translation keys that exist; issues have a title and text."""
    strings = _json(INTEGRATION / "strings.json")
    icons = _json(INTEGRATION / "icons.json")
    for platform, entities in icons.get("entity", {}).items():
        for key, spec in entities.items():
            assert key in strings["entity"].get(platform, {}), f"{platform}.{key}"
            values = [spec.get("default", "mdi:x"), *spec.get("state", {}).values()]
            assert all(v.startswith("mdi:") for v in values), f"{platform}.{key}"
    for key, issue in strings["issues"].items():
        assert issue.get("title"), key
        assert issue.get("description") or issue.get("fix_flow"), key


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
    expected = {rule for tier in QUALITY_RULES.values() for rule in tier}
    assert set(rules) == expected, set(rules) ^ expected
    for name, status in rules.items():
        if isinstance(status, dict):
            assert set(status) <= {"status", "comment"}, name
            assert status["status"] in ("exempt", "todo", "done"), name
            if status["status"] == "exempt":
                assert str(status.get("comment", "")).strip(), name
        else:
            assert status in ("done", "todo"), name
