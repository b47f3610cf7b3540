// The IO bar: chat with main (or `@agent`), autocomplete of agent names and commands,
// slash-commands, history with up/down, and the streamed replies above it.

import { SLASH_COMMANDS, commandNames, parseCommand } from "../lib/commands";
import { STATE_LABELS } from "../lib/colors";
import { errorMessage } from "../lib/hass";
import { InputHistory } from "../lib/history";
import { applyCompletion, findCompletionQuery, parseMention, rankCandidates, type CompletionQuery } from "../lib/mentions";
import type { AgentState, ChatEvent, ControlAction } from "../lib/protocol";
import type { PanelContext } from "./context";
import { h } from "./dom";

const HISTORY_KEY = "wactorz.history";
const MAX_TRANSCRIPT = 60;

interface Suggestion {
  value: string;
  hint: string;
}

function loadHistory(): string[] {
  try {
    const raw = localStorage.getItem(HISTORY_KEY);
    const items = raw ? JSON.parse(raw) : [];
    return Array.isArray(items) ? items : [];
  } catch {
    return [];
  }
}

export class IOBar {
  readonly el: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly transcript: HTMLElement;
  private readonly suggestionList: HTMLElement;
  private readonly history = new InputHistory(loadHistory());
  private query: CompletionQuery | null = null;
  private suggestions: Suggestion[] = [];
  private active = 0;

  constructor(private readonly ctx: PanelContext) {
    this.transcript = h("ol", { className: "transcript", hidden: true, "aria-live": "polite", "aria-label": "Conversation" });
    this.suggestionList = h("ul", { className: "suggestions", role: "listbox", hidden: true, id: "wz-suggestions" });
    this.input = h("input", {
      type: "text",
      id: "wz-input",
      placeholder: "Message main, @agent, or /command",
      autocomplete: "off",
      spellcheck: "false",
      "aria-label": "Message",
      "aria-autocomplete": "list",
      "aria-controls": "wz-suggestions",
    });
    const send = h("button", { type: "button", className: "icon-button", "aria-label": "Send", "data-action": "send" }, "Send");
    send.addEventListener("click", () => this.submit());
    this.input.addEventListener("input", () => this.updateSuggestions());
    this.input.addEventListener("click", () => this.updateSuggestions());
    this.input.addEventListener("keydown", (event) => this.onKey(event));
    this.input.addEventListener("blur", () => setTimeout(() => this.closeSuggestions(), 150));
    this.el = h("footer", { className: "io" }, this.transcript, h("div", { className: "io-row" }, this.suggestionList, this.input, send));
  }

  // -- keyboard ------------------------------------------------------------------------
  private onKey(event: KeyboardEvent): void {
    const open = !this.suggestionList.hidden && this.suggestions.length > 0;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp": {
        event.preventDefault();
        const down = event.key === "ArrowDown";
        if (open) {
          this.active = (this.active + (down ? 1 : -1) + this.suggestions.length) % this.suggestions.length;
          this.renderSuggestions();
        } else {
          const line = down ? this.history.down() : this.history.up(this.input.value);
          if (line !== null) this.setValue(line);
        }
        break;
      }
      case "Tab":
        if (open) {
          event.preventDefault();
          this.complete(this.suggestions[this.active].value);
        }
        break;
      case "Enter":
        event.preventDefault();
        if (open && this.query && this.query.query !== this.suggestions[this.active].value) {
          this.complete(this.suggestions[this.active].value);
        } else {
          this.submit();
        }
        break;
      case "Escape":
        if (open) {
          event.preventDefault();
          event.stopPropagation();
          this.closeSuggestions();
        }
        break;
    }
  }

  private setValue(value: string, caret = value.length): void {
    this.input.value = value;
    this.input.setSelectionRange(caret, caret);
    this.closeSuggestions();
  }

  // -- autocomplete --------------------------------------------------------------------
  private updateSuggestions(): void {
    const caret = this.input.selectionStart ?? this.input.value.length;
    const query = findCompletionQuery(this.input.value, caret);
    this.query = query;
    if (!query) {
      this.closeSuggestions();
      return;
    }
    if (query.trigger === "@") {
      this.suggestions = rankCandidates(query.query, this.ctx.store.agentNames()).map((name) => {
        const agent = this.ctx.store.byName(name);
        return { value: name, hint: agent ? (STATE_LABELS[agent.state as AgentState] ?? agent.state) : "" };
      });
    } else {
      this.suggestions = rankCandidates(query.query, commandNames(this.ctx.isAdmin())).map((name) => {
        const command = SLASH_COMMANDS.find((c) => c.name === name);
        return { value: name, hint: command ? `${command.args ? `${command.args} ` : ""}${command.help}` : "" };
      });
    }
    this.active = 0;
    this.renderSuggestions();
  }

  private renderSuggestions(): void {
    if (!this.suggestions.length || !this.query) {
      this.closeSuggestions();
      return;
    }
    const trigger = this.query.trigger;
    this.suggestionList.replaceChildren(
      ...this.suggestions.map((suggestion, i) => {
        const li = h(
          "li",
          { role: "option", "aria-selected": i === this.active ? "true" : "false", "data-value": suggestion.value },
          `${trigger}${suggestion.value}`,
          h("span", { className: "hint" }, suggestion.hint),
        );
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          this.complete(suggestion.value);
        });
        return li;
      }),
    );
    this.suggestionList.hidden = false;
  }

  private closeSuggestions(): void {
    this.suggestionList.hidden = true;
    this.suggestions = [];
  }

  private complete(value: string): void {
    if (!this.query) return;
    const { text, caret } = applyCompletion(this.input.value, this.query, value);
    this.setValue(text, caret);
    this.input.focus();
  }

  // -- sending -------------------------------------------------------------------------
  submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    this.history.push(text);
    try {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(this.history.toJSON()));
    } catch {
      // Private mode or quota: history just is not kept.
    }
    this.setValue("");
    const command = parseCommand(text);
    if (command?.command?.local) {
      void this.runLocal(command.name, command.args);
      return;
    }
    void this.chat(text);
  }

  private async runLocal(name: string, args: string[]): Promise<void> {
    this.addLine("user", `/${name}${args.length ? ` ${args.join(" ")}` : ""}`);
    if (name === "clear") {
      this.transcript.replaceChildren();
      this.transcript.hidden = true;
      return;
    }
    const agent = args[0];
    if (!agent) {
      this.addLine("error", `/${name} needs an agent name, e.g. /${name} @main`);
      return;
    }
    if (name === "select") {
      if (!this.ctx.selectByName(agent)) this.addLine("error", `Unknown agent ${agent}`);
      return;
    }
    if (!this.ctx.isAdmin()) {
      this.addLine("error", "Only administrators can control agents.");
      return;
    }
    const action = name as ControlAction;
    const done = await this.ctx.control(agent, action, action === "restart");
    if (done) this.addLine("system", `${agent}: ${action} done`);
  }

  private async chat(text: string): Promise<void> {
    const client = this.ctx.client();
    this.addLine("user", text);
    if (!client) {
      this.addLine("error", "Not connected to Home Assistant.");
      return;
    }
    const guess = parseMention(text).agent ?? "main";
    const line = this.addLine("agent", "", guess, true);
    const textEl = line.querySelector(".text") as HTMLElement;
    const fromEl = line.querySelector(".from") as HTMLElement;
    let received = "";
    const onEvent = (event: ChatEvent) => {
      switch (event.type) {
        case "start":
          fromEl.textContent = `@${event.agent}`;
          break;
        case "chunk":
          received += event.text;
          textEl.textContent = received;
          break;
        case "end":
          textEl.textContent = event.text;
          line.classList.remove("pending");
          line.dataset.done = "true";
          break;
        case "error":
          line.className = "error";
          line.dataset.done = "true";
          textEl.textContent = event.message;
          break;
      }
      this.scrollDown();
    };
    try {
      await client.chat(text, onEvent);
    } catch (err) {
      line.className = "error";
      line.dataset.done = "true";
      textEl.textContent = errorMessage(err);
    }
  }

  private addLine(kind: "user" | "agent" | "error" | "system", text: string, from = "", pending = false): HTMLElement {
    const li = h(
      "li",
      { className: `${kind}${pending ? " pending" : ""}` },
      from ? h("span", { className: "from" }, `@${from}`) : null,
      h("span", { className: "text" }, text),
    );
    this.transcript.append(li);
    while (this.transcript.childElementCount > MAX_TRANSCRIPT) this.transcript.firstElementChild?.remove();
    this.transcript.hidden = false;
    this.scrollDown();
    return li;
  }

  private scrollDown(): void {
    this.transcript.scrollTop = this.transcript.scrollHeight;
  }
}
