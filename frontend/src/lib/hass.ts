// The small part of Home Assistant's frontend objects that Wactorz uses.

export interface HassConnection {
  subscribeMessage<T>(
    callback: (message: T) => void,
    message: Record<string, unknown>,
    options?: { resubscribe?: boolean },
  ): Promise<() => Promise<void>>;
  sendMessagePromise<T>(message: Record<string, unknown>): Promise<T>;
}

export interface HassUser {
  id?: string;
  name?: string;
  is_admin: boolean;
}

export interface HassEntityState {
  entity_id?: string;
  state: string;
  attributes?: Record<string, unknown>;
}

export interface Hass {
  connection: HassConnection;
  callWS<T>(message: Record<string, unknown>): Promise<T>;
  /** fetch() with the user's access token (HTTP views such as the manual upload). */
  fetchWithAuth?(path: string, init?: RequestInit): Promise<Response>;
  user?: HassUser;
  themes?: { darkMode?: boolean; theme?: string };
  selectedTheme?: unknown;
  states: Record<string, HassEntityState>;
  language?: string;
}

export interface HassPanelInfo {
  config?: { entry_id?: string };
  url_path?: string;
  title?: string;
}

export interface WsError {
  code: string;
  message: string;
}

/** The message of an error from callWS/subscribeMessage (an {code, message} object). */
export function errorMessage(err: unknown): string {
  if (err && typeof err === "object" && "message" in err) return String((err as WsError).message);
  return String(err);
}

export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === "object" && "code" in err) return String((err as WsError).code);
  return undefined;
}
