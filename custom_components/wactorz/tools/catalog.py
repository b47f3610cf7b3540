"""CatalogAgent: a library of recipes (data files) that become agents on first use.

A recipe is data: name, kind (a built-in recipe kind: `nim_image`,
`doc_to_pptx`), description, capabilities, input/output JSON schemas, where
it runs (`home_assistant`), defaults. Built-in recipes are the JSON files of
`tools/recipes/`; users add JSON files to `<config>/wactorz/recipes/` (read in
the executor, bounded, validated; no code is ever loaded from them, and
endpoints and keys cannot be set by a recipe).

`@<recipe-name>` (with the main-actor hook `async_ensure_recipe_agent`) or
`{"command": "run", "recipe": ..., "input": {...}}` to the catalog spawns the
recipe's agent at once (an in-process actor: nothing to install, no wait) and
hands it the task. Catalog tasks: `list` (optional `query`), `info <name>`,
`spawn <name>`, `run <name> <text>`, `reload`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
import json
import logging
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

import probatio

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from ..agents.access import NOT_ADMIN_REPLY, caller_of, is_mutating
from ..agents.text import text_of
from ..ai import BudgetExceededError, ChatMessage, LlmRequest, ProviderError
from ..const import DOMAIN
from ..core import Actor, DuplicateActorError, Message, actor_factory
from .image import RecipeError, async_run_image_recipe
from .slides import OUTLINE_PROMPT, OUTLINE_SCHEMA, async_run_pptx_recipe

if TYPE_CHECKING:
    from ..runtime import WactorzRuntime

_LOGGER = logging.getLogger(__name__)

CATALOG_AGENT_NAME = "catalog"
BUILTIN_DIR = Path(__file__).with_name("recipes")
USER_DIR = ("wactorz", "recipes")
MAX_RECIPE_FILES = 50
MAX_RECIPE_BYTES = 64 * 1024
MAX_LIST = 100
KIND_IMAGE = "nim_image"
KIND_PPTX = "doc_to_pptx"
KIND_DEFAULTS: dict[str, dict[Any, Any]] = {
    KIND_IMAGE: {
        probatio.Optional("width"): probatio.All(int, probatio.Range(768, 1344)),
        probatio.Optional("height"): probatio.All(int, probatio.Range(768, 1344)),
        probatio.Optional("steps"): probatio.All(int, probatio.Range(5, 100)),
        probatio.Optional("seed"): probatio.All(int, probatio.Range(0, 4294967295)),
        probatio.Optional("cfg_scale"): probatio.All(
            probatio.Coerce(float), probatio.Range(1, 9)
        ),
    },
    KIND_PPTX: {
        probatio.Optional("max_slides"): probatio.All(int, probatio.Range(1, 40)),
        probatio.Optional("use_llm"): bool,
    },
}
NAME_RE = r"^[a-z0-9][a-z0-9_-]{1,47}$"
_TEXT = probatio.All(str, probatio.Length(max=500))
RECIPE_SCHEMA = probatio.Schema(
    {
        probatio.Required("name"): probatio.All(str, probatio.Match(NAME_RE)),
        probatio.Required("kind"): probatio.In(sorted(KIND_DEFAULTS)),
        probatio.Required("description"): _TEXT,
        probatio.Optional("capabilities", default=list): probatio.All(
            [probatio.All(str, probatio.Length(max=60))], probatio.Length(max=20)
        ),
        probatio.Optional("runs_on", default="home_assistant"): "home_assistant",
        probatio.Optional("requires", default=list): probatio.All(
            [probatio.All(str, probatio.Length(max=60))], probatio.Length(max=10)
        ),
        probatio.Optional("input_schema", default=dict): dict,
        probatio.Optional("output_schema", default=dict): dict,
        probatio.Optional("defaults", default=dict): dict,
    }
)
CATALOG_KEY: HassKey[dict[str, RecipeCatalog]] = HassKey(f"{DOMAIN}_catalog")
HELP = (
    "Catalog: list [query]; info <recipe>; spawn <recipe>; run <recipe> <text>; "
    "reload. Or mention a recipe directly: @<recipe> <text>."
)

type Runner = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Recipe:
    """One recipe (data only)."""

    name: str
    kind: str
    description: str
    capabilities: tuple[str, ...]
    runs_on: str
    requires: tuple[str, ...]
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    defaults: dict[str, Any]
    source: str  # "builtin" | "user"

    def info(self) -> dict[str, Any]:
        """Return the recipe as a JSON-serializable dict."""
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "capabilities": list(self.capabilities),
            "runs_on": self.runs_on,
            "requires": list(self.requires),
            "input_schema": self.input_schema,
            "output_schema": self.output_schema,
            "defaults": self.defaults,
            "source": self.source,
        }


def parse_recipe(data: Any, source: str) -> Recipe:
    """Validate one recipe (probatio.Invalid or ValueError when it is not valid)."""
    valid = RECIPE_SCHEMA(data)
    defaults = probatio.Schema(KIND_DEFAULTS[valid["kind"]])(valid["defaults"])
    return Recipe(
        name=valid["name"],
        kind=valid["kind"],
        description=valid["description"],
        capabilities=tuple(valid["capabilities"]),
        runs_on=valid["runs_on"],
        requires=tuple(valid["requires"]),
        input_schema=valid["input_schema"],
        output_schema=valid["output_schema"],
        defaults=defaults,
        source=source,
    )


def load_recipe_dir(folder: Path, source: str) -> tuple[list[Recipe], list[str]]:
    """Read the recipes of a folder (blocking: run in the executor); bounded."""
    recipes: list[Recipe] = []
    errors: list[str] = []
    if not folder.is_dir():
        return recipes, errors
    files = sorted(folder.glob("*.json"))
    if len(files) > MAX_RECIPE_FILES:
        errors.append(f"{folder}: only the first {MAX_RECIPE_FILES} files are read")
    for path in files[:MAX_RECIPE_FILES]:
        try:
            if path.stat().st_size > MAX_RECIPE_BYTES:
                errors.append(f"{path.name}: larger than {MAX_RECIPE_BYTES} bytes")
                continue
            recipes.append(
                parse_recipe(json.loads(path.read_text(encoding="utf-8")), source)
            )
        except (OSError, ValueError, probatio.Invalid) as err:
            errors.append(f"{path.name}: {err}")
    return recipes, errors


class RecipeCatalog:
    """The recipes of one entry and the agents made from them."""

    def __init__(self, runtime: WactorzRuntime) -> None:
        """Create an empty catalog (call `async_load`)."""
        self.runtime = runtime
        self.recipes: dict[str, Recipe] = {}
        self.errors: list[str] = []
        self._lock = asyncio.Lock()

    @property
    def user_dir(self) -> Path:
        """Return the folder users put their recipe files in."""
        return Path(self.runtime.hass.config.path(*USER_DIR))

    async def async_load(self) -> None:
        """(Re)load built-in and user recipes; a user recipe cannot replace a built-in."""
        hass = self.runtime.hass
        builtin, errors = await hass.async_add_executor_job(
            load_recipe_dir, BUILTIN_DIR, "builtin"
        )
        user, user_errors = await hass.async_add_executor_job(
            load_recipe_dir, self.user_dir, "user"
        )
        recipes = {recipe.name: recipe for recipe in builtin}
        errors += user_errors
        for recipe in user:
            if recipe.name in recipes or recipe.name == CATALOG_AGENT_NAME:
                errors.append(f"{recipe.name}: the name is taken")
                continue
            recipes[recipe.name] = recipe
        for error in errors:
            _LOGGER.warning("Recipe skipped: %s", error)
        self.recipes, self.errors = recipes, errors

    def listing(self, query: str = "") -> list[dict[str, Any]]:
        """Return the recipes (name, description, capabilities), filtered by a query."""
        words = query.lower().split()
        found = []
        for recipe in sorted(self.recipes.values(), key=lambda r: r.name):
            haystack = " ".join(
                (recipe.name, recipe.description, *recipe.capabilities)
            ).lower()
            if all(word in haystack for word in words):
                found.append(
                    {
                        "name": recipe.name,
                        "description": recipe.description,
                        "capabilities": list(recipe.capabilities),
                        "runs_on": recipe.runs_on,
                        "source": recipe.source,
                        "spawned": self.runtime.system.get(recipe.name) is not None,
                    }
                )
        return found[:MAX_LIST]

    async def async_ensure(self, name: str) -> bool:
        """Spawn the recipe's agent if it is not running; False when it is no recipe."""
        system = self.runtime.system
        if system.get(name) is not None:
            return True
        recipe = self.recipes.get(name)
        if recipe is None:
            return False
        async with self._lock:
            if system.get(name) is not None:
                return True
            with contextlib.suppress(DuplicateActorError):
                await self.runtime.async_spawn(
                    actor_factory(
                        RecipeAgent, recipe, recipe_runner(self.runtime, recipe)
                    ),
                    recipe.name,
                    kind=f"recipe_{recipe.kind}",
                    description=recipe.description,
                    meta={"recipe": recipe.name, "watchdog_timeout_s": 300},
                )
        return True


def outline_caller(
    runtime: WactorzRuntime, agent: str
) -> Callable[[str, int], Awaitable[dict[str, Any] | None]] | None:
    """Return the structured outline call (main's chain, metered as `agent`)."""

    async def outline(text: str, max_slides: int) -> dict[str, Any] | None:
        await runtime.llm.async_sync()
        chain = runtime.llm.main_chain()
        if not chain:
            return None
        request = LlmRequest(
            model=chain[0].model,
            messages=[ChatMessage.user(runtime.scrubber.scrub(text))],
            system=OUTLINE_PROMPT.format(n=max_slides),
            max_tokens=3000,
            response_schema=OUTLINE_SCHEMA,
            response_schema_name="deck",
        )
        try:
            completion = await runtime.llm.gateway.complete(agent, request, chain=chain)
            data = json.loads(completion.text)
        except (ProviderError, BudgetExceededError, ValueError) as err:
            _LOGGER.debug("No LLM outline, using headings: %s", err)
            return None
        return data if isinstance(data, dict) else None

    return outline


def recipe_runner(runtime: WactorzRuntime, recipe: Recipe) -> Runner:
    """Return the function that runs one task of a recipe."""
    hass: HomeAssistant = runtime.hass
    if recipe.kind == KIND_IMAGE:

        async def run_image(data: dict[str, Any]) -> dict[str, Any]:
            return await async_run_image_recipe(
                hass, runtime.entry, data, recipe.defaults
            )

        return run_image

    async def run_pptx(data: dict[str, Any]) -> dict[str, Any]:
        return await async_run_pptx_recipe(
            hass, data, recipe.defaults, outline_caller(runtime, recipe.name)
        )

    return run_pptx


_PATH_RE = re.compile(r"^\S+\.(pdf|txt|md)$", re.IGNORECASE)


def task_input(recipe: Recipe, payload: Any) -> dict[str, Any]:
    """Return the recipe input of a task: its `input` dict, the dict, or free text."""
    if isinstance(payload, dict):
        inner = payload.get("input")
        if isinstance(inner, dict):
            return inner
        if any(k not in {"text", "from"} for k in payload):
            return {k: v for k, v in payload.items() if k != "from"}
    text = text_of(payload).strip()
    if recipe.kind == KIND_IMAGE:
        return {"prompt": text}
    if _PATH_RE.match(text):
        return {"file_path": text}
    return {"text": text}


class RecipeAgent(Actor):
    """An agent made from a recipe: one task at a time, errors as replies."""

    def __init__(self, recipe: Recipe, run: Runner) -> None:
        """Create the agent of a recipe."""
        self.recipe = recipe
        self._run = run
        self._done = 0
        self._failed = 0

    def heartbeat_data(self) -> dict[str, Any]:
        """Return the task counters."""
        return {"recipe": self.recipe.name, "done": self._done, "failed": self._failed}

    async def handle(self, message: Message) -> Any:
        """Run the recipe on the task's input."""
        payload = message.payload
        if isinstance(payload, dict) and payload.get("command") == "info":
            return self.recipe.info()
        data = task_input(self.recipe, payload)
        try:
            result = await self._run(data)
        except RecipeError as err:
            self._failed += 1
            return {"ok": False, "error": str(err), "text": str(err)}
        self._done += 1
        self.completed(result.get("text", ""), recipe=self.recipe.name)
        return {"ok": True, **result}


class CatalogAgent(Actor):
    """Lists recipes, describes them, spawns and runs them."""

    def __init__(self, catalog: RecipeCatalog) -> None:
        """Create the agent over a loaded catalog."""
        self.catalog = catalog

    def heartbeat_data(self) -> dict[str, Any]:
        """Return how many recipes there are."""
        return {
            "recipes": len(self.catalog.recipes),
            "errors": len(self.catalog.errors),
        }

    async def handle(self, message: Message) -> Any:
        """Answer one catalog task."""
        payload = message.payload
        if not caller_of(payload).admin and is_mutating(payload, CATALOG_AGENT_NAME):
            return {"ok": False, "error": "not_admin", "text": NOT_ADMIN_REPLY}
        task = dict(payload) if isinstance(payload, dict) else {}
        command = str(task.get("command") or task.get("action") or "").lower()
        rest = ""
        if not command:
            words = text_of(payload).strip().split(maxsplit=1)
            command = words[0].lower() if words else "list"
            rest = words[1] if len(words) > 1 else ""
            if command in self.catalog.recipes:
                command, rest = "run", text_of(payload).strip()
        name = str(task.get("recipe") or task.get("name") or task.get("agent") or "")
        if not name and rest:
            name, _, rest = rest.partition(" ")
        if command == "list":
            query = str(task.get("query") or rest or name)
            recipes = self.catalog.listing(query)
            lines = [f"@{r['name']}: {r['description']}" for r in recipes]
            return {
                "recipes": recipes,
                "errors": list(self.catalog.errors),
                "text": "\n".join(lines) or "No recipe matches.",
            }
        if command == "reload":
            await self.catalog.async_load()
            return {
                "recipes": len(self.catalog.recipes),
                "errors": list(self.catalog.errors),
                "text": f"{len(self.catalog.recipes)} recipes loaded.",
            }
        recipe = self.catalog.recipes.get(name)
        if command in {"info", "spawn", "run"} and recipe is None:
            return {
                "ok": False,
                "error": "unknown_recipe",
                "text": f"No recipe named {name!r}.",
            }
        if command == "info" and recipe is not None:
            return {**recipe.info(), "text": recipe.description}
        if command == "spawn":
            await self.catalog.async_ensure(name)
            return {"ok": True, "agent": name, "text": f"@{name} is ready."}
        if command == "run":
            await self.catalog.async_ensure(name)
            data = task.get("input")
            body: Any = {"input": data} if isinstance(data, dict) else {"text": rest}
            return await self.ask(name, body)
        return {"text": HELP}


def get_catalog(hass: HomeAssistant, entry_id: str) -> RecipeCatalog | None:
    """Return the catalog of an entry, if started."""
    return hass.data.get(CATALOG_KEY, {}).get(entry_id)


async def async_start_catalog(runtime: WactorzRuntime) -> RecipeCatalog:
    """Load the recipes and spawn the catalog agent (recipe agents come on first use)."""
    catalog = RecipeCatalog(runtime)
    await catalog.async_load()
    runtime.hass.data.setdefault(CATALOG_KEY, {})[runtime.entry.entry_id] = catalog
    await runtime.async_spawn(
        actor_factory(CatalogAgent, catalog),
        CATALOG_AGENT_NAME,
        kind="catalog",
        description="Recipe library: image generation, document to slides",
    )
    return catalog


def async_stop_catalog(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the catalog of an entry (its agents stop with the system)."""
    hass.data.get(CATALOG_KEY, {}).pop(entry_id, None)


async def async_ensure_recipe_agent(runtime: WactorzRuntime, name: str) -> bool:
    """Main's @mention hook: spawn a recipe's agent on first use (False: no recipe)."""
    catalog = get_catalog(runtime.hass, runtime.entry.entry_id)
    return catalog is not None and await catalog.async_ensure(name)
