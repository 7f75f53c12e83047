/**
 * Reads the `data` of Server-Sent Events from text chunks (a copy of a Streamable HTTP response),
 * per the event-stream format: lines end in LF, CRLF or CR; a blank line dispatches the event.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];

  constructor(
    private readonly onData: (data: string) => void,
    private readonly maxEventChars = 64 * 1024 * 1024,
  ) {}

  push(text: string): void {
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    // The last element is an unfinished line, unless the chunk ended with a lone CR that a LF may follow.
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    if (this.buffer.length > this.maxEventChars) this.buffer = '';
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onData(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith('data:')) this.data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
}
