// The activity feed: what happened to the agents, newest first.

import { describeFeedItem } from "../lib/feedtext";
import type { FeedItem } from "../lib/protocol";
import type { StoreChange } from "../lib/store";
import type { PanelContext } from "./context";
import { formatTime, h, icon } from "./dom";

const MAX_ITEMS = 150;

export class FeedView {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly dropped: HTMLElement;

  constructor(private readonly ctx: PanelContext) {
    this.list = h("ul", { className: "feed-list", "aria-live": "polite" });
    this.dropped = h("span", { className: "muted" });
    this.el = h(
      "section",
      { className: "feed", "aria-label": "Activity" },
      h("div", { className: "feed-title" }, h("span", {}, "Activity"), this.dropped),
      this.list,
    );
    this.reset();
  }

  reset(): void {
    this.list.replaceChildren(h("li", { className: "feed-empty" }, "Nothing happened yet."));
    for (const item of this.ctx.store.feed) this.add(item);
  }

  update(change: StoreChange): void {
    if (change.reset) {
      this.reset();
      return;
    }
    for (const item of change.feed) this.add(item);
    const dropped = this.ctx.store.feedDropped;
    this.dropped.textContent = dropped ? `${dropped} not shown` : "";
  }

  private add(item: FeedItem): void {
    this.list.querySelector(".feed-empty")?.remove();
    const line = describeFeedItem(item);
    const who = h("button", { type: "button", className: "who" }, item.name);
    who.addEventListener("click", () => this.ctx.selectByName(item.name));
    const li = h(
      "li",
      { className: `feed-item ${line.level}`, "data-kind": item.kind },
      h("time", {}, formatTime(item.t)),
      icon(line.icon),
      who,
      h("span", { className: "what", title: line.text }, line.text),
    );
    this.list.prepend(li);
    while (this.list.childElementCount > MAX_ITEMS) this.list.lastElementChild?.remove();
  }
}
