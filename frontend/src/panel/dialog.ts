// A confirmation dialog and a toast, inside the panel's shadow root.

import type { ConfirmOptions } from "./context";
import { h } from "./dom";

export function confirmDialog(root: ShadowRoot | HTMLElement, options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const previous = (root as ShadowRoot).activeElement as HTMLElement | null;
    const close = (answer: boolean) => {
      backdrop.remove();
      previous?.focus?.();
      resolve(answer);
    };
    const confirm = h(
      "button",
      { type: "button", className: `control confirm${options.danger ? " danger" : ""}`, "data-action": "confirm", onclick: () => close(true) },
      options.confirm,
    );
    const dialog = h(
      "div",
      { className: "dialog", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "wz-dialog-title" },
      h("h2", { id: "wz-dialog-title" }, options.title),
      h("p", {}, options.text),
      h(
        "div",
        { className: "actions" },
        h("button", { type: "button", className: "control", "data-action": "cancel", onclick: () => close(false) }, "Cancel"),
        confirm,
      ),
    );
    const backdrop = h("div", { className: "dialog-backdrop" }, dialog);
    backdrop.addEventListener("click", (event) => {
      if (event.target === backdrop) close(false);
    });
    backdrop.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        close(false);
      }
    });
    root.append(backdrop);
    confirm.focus();
  });
}

export function showToast(root: ShadowRoot | HTMLElement, message: string, kind: "error" | "info" = "error"): void {
  const toast = h("div", { className: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  root.append(toast);
  setTimeout(() => toast.remove(), kind === "error" ? 6000 : 3000);
}
