// Entry of wactorz-card.js (loaded on every dashboard by the integration).
import { WactorzCard, WactorzCardEditor } from "./card";

declare global {
  interface Window {
    customCards?: { type: string; name: string; description: string; preview?: boolean; documentationURL?: string }[];
  }
}

if (!customElements.get("wactorz-card")) customElements.define("wactorz-card", WactorzCard);
if (!customElements.get("wactorz-card-editor")) customElements.define("wactorz-card-editor", WactorzCardEditor);

window.customCards = window.customCards || [];
if (!window.customCards.some((card) => card.type === "wactorz-card")) {
  window.customCards.push({
    type: "wactorz-card",
    name: "Wactorz agents",
    description: "The Wactorz agents and their states, with a box to ask main or an @agent.",
    preview: true,
    documentationURL: "https://github.com/wactorz/wactorz-homeassistant",
  });
}
