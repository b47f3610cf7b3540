// Entry of wactorz-panel.js (registered by the integration with panel_custom).
import { WactorzPanel } from "./panel";

if (!customElements.get("wactorz-panel")) customElements.define("wactorz-panel", WactorzPanel);
