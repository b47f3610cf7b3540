// Slash-commands of the IO bar. "local" ones run in the panel; the others go to main.

export interface SlashCommand {
  name: string;
  args?: string;
  help: string;
  local: boolean;
  admin?: boolean;
}

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  { name: "agents", help: "List the agents and their states (asks main)", local: false },
  { name: "help", help: "What main understands", local: false },
  { name: "select", args: "<agent>", help: "Select an agent and fly to it", local: true },
  { name: "pause", args: "<agent>", help: "Pause an agent", local: true, admin: true },
  { name: "resume", args: "<agent>", help: "Resume a paused agent", local: true, admin: true },
  { name: "restart", args: "<agent>", help: "Restart an agent (asks first)", local: true, admin: true },
  { name: "clear", help: "Clear the conversation", local: true },
];

export interface ParsedCommand {
  command: SlashCommand | null;
  name: string;
  args: string[];
}

/** Parse "/name args..." (null when the text is not a command). */
export function parseCommand(text: string): ParsedCommand | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("/")) return null;
  const [head, ...args] = trimmed.slice(1).split(/\s+/);
  const name = head.toLowerCase();
  const command = SLASH_COMMANDS.find((c) => c.name === name) ?? null;
  return { command, name, args: args.map((arg) => arg.replace(/^@/, "")).filter(Boolean) };
}

export function commandNames(isAdmin: boolean): string[] {
  return SLASH_COMMANDS.filter((c) => isAdmin || !c.admin).map((c) => c.name);
}
