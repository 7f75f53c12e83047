/**
 * Splits a byte stream into newline-delimited lines (the MCP stdio framing) for observation. It
 * works on copies: the proxy forwards the original chunks untouched. A line longer than `maxBytes`
 * is skipped whole rather than buffered without bound.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  private oversized = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOversized: () => void,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      this.append(chunk.subarray(start, newline));
      this.emit();
      start = newline + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  private append(part: Buffer): void {
    if (this.oversized || part.length === 0) return;
    if (this.length + part.length > this.maxBytes) {
      this.oversized = true;
      this.parts = [];
      this.length = 0;
      return;
    }
    this.parts.push(part);
    this.length += part.length;
  }

  private emit(): void {
    if (this.oversized) {
      this.oversized = false;
      this.onOversized();
      return;
    }
    const line = Buffer.concat(this.parts, this.length).toString('utf8').replace(/\r$/, '');
    this.parts = [];
    this.length = 0;
    if (line.trim() !== '') this.onLine(line);
  }
}
