// The Wactorz websocket commands over Home Assistant's connection.

import type { Hass } from "./hass";
import type {
  AgentDetails,
  ChatAck,
  ChatEvent,
  ControlAction,
  ControlResult,
  StreamEvent,
} from "./protocol";

export class WactorzClient {
  constructor(private hass: Hass) {}

  setHass(hass: Hass): void {
    this.hass = hass;
  }

  /** Snapshot then deltas; Home Assistant's connection re-subscribes after a reconnect. */
  subscribe(onEvent: (event: StreamEvent) => void): Promise<() => Promise<void>> {
    return this.hass.connection.subscribeMessage<StreamEvent>(onEvent, { type: "wactorz/subscribe" });
  }

  details(agent: string): Promise<AgentDetails> {
    return this.hass.callWS<AgentDetails>({ type: "wactorz/agent/details", agent });
  }

  /**
   * Upload a PDF to the manual agent (admin only, POST /api/wactorz/manual/upload).
   * Resolves with the server's summary text; rejects with its error message.
   */
  async uploadManual(file: File): Promise<string> {
    if (!this.hass.fetchWithAuth) throw new Error("This Home Assistant frontend cannot upload files.");
    const form = new FormData();
    form.append("file", file, file.name);
    const response = await this.hass.fetchWithAuth("/api/wactorz/manual/upload", { method: "POST", body: form });
    let body: { text?: string; message?: string } = {};
    try {
      body = (await response.json()) as typeof body;
    } catch {
      // not JSON (a proxy error page): the status says enough
    }
    if (!response.ok) throw new Error(body.message ?? `Upload failed (HTTP ${response.status}).`);
    return body.text ?? "Loaded.";
  }

  control(agent: string, action: ControlAction): Promise<ControlResult> {
    return this.hass.callWS<ControlResult>({ type: "wactorz/agents/control", agent, action });
  }

  /**
   * Send a chat line; `onEvent` gets start, chunk(s), then end or error.
   * Resolves with the acknowledgement; rejects ({code, message}) if the line was refused.
   */
  async chat(text: string, onEvent: (event: ChatEvent) => void, agent?: string): Promise<ChatAck> {
    let finished = false;
    let unsubscribe: (() => Promise<void>) | null = null;
    const release = () => {
      if (unsubscribe) {
        const unsub = unsubscribe;
        unsubscribe = null;
        unsub().catch(() => undefined);
      }
    };
    let ack: ChatAck | null = null;
    const message: Record<string, unknown> = { type: "wactorz/chat", text };
    if (agent) message.agent = agent;
    const acked = new Promise<ChatAck>((resolve) => {
      this.hass.connection
        .subscribeMessage<ChatEvent>(
          (event) => {
            if (event.type === "start") ack ??= { agent: event.agent, correlation_id: event.correlation_id };
            onEvent(event);
            if (event.type === "end" || event.type === "error") {
              finished = true;
              release();
            }
          },
          message,
          { resubscribe: false },
        )
        .then((unsub) => {
          unsubscribe = unsub;
          if (finished) release();
          resolve(ack ?? { agent: agent ?? "main", correlation_id: "" });
        })
        .catch((err) => {
          onEvent({ type: "error", code: String(err?.code ?? "error"), message: String(err?.message ?? err) });
          resolve(Promise.reject(err) as never);
        });
    });
    return acked;
  }
}
