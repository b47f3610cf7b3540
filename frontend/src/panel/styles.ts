// Styles of the panel. Colours come from Home Assistant's theme variables, so the panel
// follows light/dark themes and user themes by itself.

export const PANEL_CSS = `
:host {
  display: block;
  /* Home Assistant gives custom panels no definite height: take the viewport's. */
  height: 100vh;
  height: 100dvh;
  overflow: hidden;
  position: relative;
  color: var(--primary-text-color, #212121);
  background: var(--primary-background-color, #fafafa);
  font-family: var(--ha-font-family-body, Roboto, "Noto Sans", sans-serif);
  font-size: 14px;
  --wz-card: var(--card-background-color, #fff);
  --wz-divider: var(--divider-color, rgba(0, 0, 0, 0.12));
  --wz-secondary: var(--secondary-text-color, #727272);
  --wz-primary: var(--primary-color, #03a9f4);
  --wz-radius: var(--ha-card-border-radius, 12px);
  --wz-error: var(--error-color, #db4437);
  --wz-warning: var(--warning-color, #ffa600);
  --wz-success: var(--success-color, #43a047);
  --wz-drawer: 380px;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
button { font: inherit; color: inherit; }
.icon { --mdc-icon-size: 20px; width: 20px; height: 20px; display: inline-flex; }
.layout {
  display: grid;
  grid-template-rows: var(--header-height, 56px) minmax(0, 1fr) auto;
  height: 100%;
}
header {
  display: flex;
  align-items: center;
  gap: 8px;
  padding: 0 12px;
  background: var(--app-header-background-color, var(--wz-card));
  color: var(--app-header-text-color, var(--primary-text-color));
  border-bottom: var(--app-header-border-bottom, 1px solid var(--wz-divider));
  min-width: 0;
}
header h1 { font-size: 20px; font-weight: 400; margin: 0 8px 0 0; white-space: nowrap; }
.menu-button { display: none; }
:host([narrow]) .menu-button { display: inline-flex; }
.icon-button {
  display: inline-flex; align-items: center; justify-content: center; gap: 4px;
  min-width: 40px; height: 40px; padding: 0 8px; border-radius: 20px;
  border: none; background: transparent; cursor: pointer;
}
.icon-button:hover { background: rgba(127, 127, 127, 0.15); }
.icon-button[aria-pressed="true"] { color: var(--wz-primary); }
.counts { display: flex; gap: 10px; flex: 1; min-width: 0; overflow: hidden; font-size: 13px; color: var(--wz-secondary); }
.count { display: inline-flex; align-items: center; gap: 4px; white-space: nowrap; }
.count .dot, .agent-row .dot, .card-dot {
  width: 10px; height: 10px; border-radius: 50%; display: inline-block; flex: none;
}
.status-pill { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: rgba(127,127,127,.15); white-space: nowrap; }
.status-pill.error { background: var(--wz-error); color: #fff; }

.main { position: relative; display: flex; min-height: 0; }
.stage { position: relative; flex: 1; min-width: 0; overflow: hidden; }
.scene-stage { position: absolute; inset: 0; }
.scene-canvas { width: 100%; height: 100%; display: block; outline: none; touch-action: none; }
.label-layer { position: absolute; inset: 0; pointer-events: none; overflow: hidden; }
.agent-label, .node-label {
  position: absolute; left: 0; top: 0; white-space: nowrap; will-change: transform;
  font-size: 12px; line-height: 1.4;
}
.agent-label {
  pointer-events: auto; cursor: pointer; padding: 1px 6px; border-radius: 8px; border: none;
  background: color-mix(in srgb, var(--wz-card) 80%, transparent); color: var(--primary-text-color);
}
.agent-label.selected { background: var(--wz-primary); color: var(--text-primary-color, #fff); }
.node-label { color: var(--wz-secondary); font-size: 13px; font-weight: 500; }
.node-label.offline { color: var(--wz-error); }

.list-stage { position: absolute; inset: 0; overflow: auto; padding: 12px 16px 96px; }
.list-stage .note { color: var(--wz-secondary); margin: 0 0 8px; }
.node-group h3 { font-size: 13px; font-weight: 500; color: var(--wz-secondary); margin: 12px 0 6px; text-transform: uppercase; letter-spacing: .04em; }
.agent-row {
  display: grid; grid-template-columns: 14px minmax(0, 1.4fr) minmax(0, 1fr) 80px 80px; align-items: center; gap: 10px;
  width: 100%; text-align: left; padding: 8px 10px; margin: 0 0 4px; border-radius: 8px;
  border: 1px solid var(--wz-divider); background: var(--wz-card); cursor: pointer;
}
.agent-row.selected { border-color: var(--wz-primary); box-shadow: 0 0 0 1px var(--wz-primary) inset; }
.agent-row .agent-name { font-weight: 500; overflow: hidden; text-overflow: ellipsis; }
.agent-row .agent-kind, .agent-row .agent-queue { color: var(--wz-secondary); font-size: 12px; overflow: hidden; text-overflow: ellipsis; }
.agent-row.offline { opacity: .6; border-style: dashed; }
.node-group .node-offline { color: var(--wz-error); }
.node-group > p.muted { color: var(--wz-secondary); font-size: 12.5px; margin: 0 0 8px; }
.badge.offline { color: #fff; background: var(--wz-error); border: none; }
.dot.beat { animation: beat .45s ease-out; }
@keyframes beat { 0% { transform: scale(1.7); } 100% { transform: scale(1); } }

.overlay-message[hidden] { display: none; }
.overlay-message {
  position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  color: var(--wz-secondary); pointer-events: none; text-align: center; padding: 24px;
}

.feed {
  position: absolute; left: 12px; bottom: 12px; width: min(420px, calc(100% - 24px)); max-height: 42%;
  display: flex; flex-direction: column; border-radius: var(--wz-radius);
  background: color-mix(in srgb, var(--wz-card) 88%, transparent); border: 1px solid var(--wz-divider);
  overflow: hidden; z-index: 2;
}
.feed[hidden] { display: none; }
.feed-title { display: flex; align-items: center; justify-content: space-between; padding: 6px 10px; font-weight: 500; font-size: 13px; border-bottom: 1px solid var(--wz-divider); }
.feed-list { overflow-y: auto; padding: 4px 0; margin: 0; list-style: none; font-size: 12.5px; }
.feed-item { display: grid; grid-template-columns: auto auto minmax(0, auto) minmax(0, 1fr); gap: 6px; align-items: baseline; padding: 2px 10px; }
.feed-item time { color: var(--wz-secondary); font-variant-numeric: tabular-nums; white-space: nowrap; }
.feed-item .who { font-weight: 500; background: none; border: none; padding: 0; cursor: pointer; color: var(--wz-primary); }
.feed-item .what { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.feed-item.error .what { color: var(--wz-error); }
.feed-item.warning .what { color: var(--wz-warning); }
.feed-item .icon { --mdc-icon-size: 14px; width: 14px; height: 14px; color: var(--wz-secondary); }
.feed-empty { color: var(--wz-secondary); padding: 6px 10px; }

.drawer {
  width: var(--wz-drawer); flex: none; border-left: 1px solid var(--wz-divider); background: var(--wz-card);
  overflow-y: auto; padding: 12px 16px 24px; z-index: 3;
}
.drawer[hidden] { display: none; }
:host([narrow]) .drawer {
  position: absolute; left: 0; right: 0; bottom: 0; width: auto; max-height: 72%;
  border-left: none; border-top: 1px solid var(--wz-divider); border-radius: var(--wz-radius) var(--wz-radius) 0 0;
  box-shadow: 0 -4px 16px rgba(0, 0, 0, .2);
}
.drawer-head { display: flex; align-items: center; gap: 8px; }
.drawer-head h2 { flex: 1; margin: 0; font-size: 20px; font-weight: 500; overflow: hidden; text-overflow: ellipsis; }
.badges { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
.badge { font-size: 12px; padding: 2px 8px; border-radius: 10px; border: 1px solid var(--wz-divider); }
.badge.state { color: #fff; border: none; }
.drawer .muted { color: var(--wz-secondary); font-size: 12.5px; overflow-wrap: anywhere; }
.drawer h3 { font-size: 13px; font-weight: 500; margin: 16px 0 6px; color: var(--wz-secondary); text-transform: uppercase; letter-spacing: .04em; }
.metrics { display: grid; grid-template-columns: 1fr auto; gap: 4px 12px; font-size: 13px; margin: 0; }
.metrics dt { color: var(--wz-secondary); }
.metrics dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
.control {
  display: inline-flex; align-items: center; gap: 6px; padding: 6px 14px; border-radius: 18px; cursor: pointer;
  border: 1px solid var(--wz-divider); background: transparent;
}
.control:hover:not([disabled]) { background: rgba(127, 127, 127, .12); }
.control[disabled] { opacity: .45; cursor: not-allowed; }
.control.danger { color: var(--wz-error); }
.events { list-style: none; margin: 0; padding: 0; font-size: 12.5px; }
.events li { padding: 3px 0; border-bottom: 1px solid var(--wz-divider); overflow-wrap: anywhere; }
.events li.error { color: var(--wz-error); }
details.trace pre { white-space: pre-wrap; font-size: 11px; max-height: 220px; overflow: auto; background: rgba(127,127,127,.1); padding: 8px; border-radius: 6px; }

.io {
  border-top: 1px solid var(--wz-divider); background: var(--wz-card); padding: 6px 12px 10px;
  padding-bottom: max(10px, env(safe-area-inset-bottom));
}
.transcript { list-style: none; margin: 0 0 6px; padding: 0; max-height: 26vh; overflow-y: auto; font-size: 13.5px; }
.transcript[hidden] { display: none; }
.transcript li { padding: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.transcript li.user { color: var(--wz-secondary); }
.transcript li.user::before { content: "› "; }
.transcript li.agent .from { font-weight: 500; color: var(--wz-primary); margin-right: 6px; }
.transcript li.error { color: var(--wz-error); }
.transcript li.pending .text::after { content: "…"; animation: blink 1s infinite; }
@keyframes blink { 50% { opacity: .2; } }
.io-row { display: flex; gap: 8px; align-items: center; position: relative; }
.io-row input {
  flex: 1; min-width: 0; height: 40px; padding: 0 14px; border-radius: 20px; font: inherit;
  border: 1px solid var(--wz-divider); background: var(--primary-background-color, transparent); color: inherit; outline: none;
}
.io-row input:focus { border-color: var(--wz-primary); }
.suggestions {
  position: absolute; left: 0; bottom: 46px; min-width: 240px; max-width: 100%; list-style: none; margin: 0; padding: 4px 0;
  background: var(--wz-card); border: 1px solid var(--wz-divider); border-radius: 10px; box-shadow: 0 4px 16px rgba(0,0,0,.2); z-index: 5;
}
.suggestions[hidden] { display: none; }
.suggestions li { padding: 6px 12px; cursor: pointer; display: flex; gap: 8px; align-items: center; }
.suggestions li[aria-selected="true"] { background: color-mix(in srgb, var(--wz-primary) 18%, transparent); }
.suggestions .hint { color: var(--wz-secondary); font-size: 12px; margin-left: auto; }

.dialog-backdrop {
  position: absolute; inset: 0; background: rgba(0, 0, 0, .45); display: flex; align-items: center; justify-content: center; z-index: 10;
}
.dialog { background: var(--wz-card); border-radius: var(--wz-radius); padding: 20px 24px 16px; width: min(420px, calc(100% - 32px)); box-shadow: 0 8px 32px rgba(0,0,0,.35); }
.dialog h2 { margin: 0 0 8px; font-size: 18px; font-weight: 500; }
.dialog p { margin: 0 0 16px; color: var(--wz-secondary); }
.dialog .actions { display: flex; justify-content: flex-end; gap: 8px; }
.dialog .confirm { background: var(--wz-primary); color: var(--text-primary-color, #fff); border-color: transparent; }
.dialog .confirm.danger { background: var(--wz-error); }
.toast {
  position: absolute; left: 50%; top: 12px; transform: translateX(-50%); z-index: 11; max-width: calc(100% - 32px);
  background: var(--wz-error); color: #fff; padding: 8px 14px; border-radius: 8px; box-shadow: 0 4px 12px rgba(0,0,0,.3);
}
.toast.info { background: var(--primary-text-color); color: var(--wz-card); }
:host([narrow]) .feed { max-height: 34%; }
:host([narrow]) .counts .label { display: none; }
:host([narrow]) .agent-row { grid-template-columns: 14px minmax(0, 1fr) 70px; }
:host([narrow]) .agent-row .agent-kind, :host([narrow]) .agent-row .agent-queue { display: none; }
`;
