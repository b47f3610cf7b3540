// Input history of the IO bar: up/down like a shell, bounded, without consecutive repeats.

export class InputHistory {
  private items: string[];
  private index: number;
  private draft = "";

  constructor(
    items: readonly string[] = [],
    private readonly max = 100,
  ) {
    this.items = items.filter((item) => typeof item === "string" && item.trim() !== "").slice(-max);
    this.index = this.items.length;
  }

  /** Remember a sent line and go back to the end. */
  push(line: string): void {
    const value = line.trim();
    if (value && this.items[this.items.length - 1] !== value) {
      this.items.push(value);
      if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
    }
    this.reset();
  }

  /** The previous line (keeping `current` as the draft), or null at the oldest. */
  up(current: string): string | null {
    if (this.index === 0 || this.items.length === 0) return null;
    if (this.index === this.items.length) this.draft = current;
    this.index -= 1;
    return this.items[this.index];
  }

  /** The next line, the draft past the newest, or null when already at the draft. */
  down(): string | null {
    if (this.index >= this.items.length) return null;
    this.index += 1;
    return this.index === this.items.length ? this.draft : this.items[this.index];
  }

  reset(): void {
    this.index = this.items.length;
    this.draft = "";
  }

  toJSON(): string[] {
    return [...this.items];
  }

  get length(): number {
    return this.items.length;
  }
}
