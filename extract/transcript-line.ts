import { z } from 'zod';
import { UserSourceSchema, errorMessage, isoTime } from '../model/index.js';

/**
 * One line of an MCP session transcript (JSONL, see /work/shared/TRANSCRIPT.md): a JSON-RPC message
 * as it crossed the transport (wire line), or something only the host saw (host line). The proxy
 * writes these, `mcptap replay` reads them, and both feed them to the same SessionExtractor.
 * In memory a line carries its time as `ms` (epoch milliseconds); the file's RFC 3339 `ts` is read
 * by parseTranscriptLine and written by formatTranscriptLine, nowhere else.
 */

const Time = z
  .string()
  .refine(
    (value) => Number.isFinite(Date.parse(value)),
    'expected an RFC 3339 time such as 2026-11-24T10:00:00.120Z',
  );

const Common = {
  ts: Time,
  session: z.string().min(1).max(256),
  /** The installation; when absent the extractor's default applies. */
  tenant: z.string().max(1024).optional(),
  host_id: z.string().max(1024).optional(),
  /** Who the session is for (see the event model's `user_id`); when absent the extractor's default applies. */
  user_id: z.string().max(1024).optional(),
  team: z.string().max(1024).optional(),
  user_source: UserSourceSchema.optional(),
};

/** A JSON-RPC message (or a batch of them) exactly as sent. */
const JsonRpcPayload = z.union([
  z.record(z.string(), z.unknown()),
  z.array(z.record(z.string(), z.unknown())),
]);

/** Schemas of the lines as written in the file (with `ts`); parseTranscriptLine makes them lines. */
export const WireLineSchema = z.object({
  ...Common,
  server: z.string().min(1).max(1024),
  dir: z.enum(['c2s', 's2c']),
  msg: JsonRpcPayload,
});

export const HostLineSchema = z.object({
  ...Common,
  host: z.enum(['user_turn', 'assistant_output', 'prompt']),
  text: z.string().optional(),
  /** `prompt` only: the full context the model saw in the turn. */
  messages: z.array(z.unknown()).optional(),
  /** `prompt` only: the tool definitions exposed to the model in the turn. */
  tools: z.array(z.unknown()).optional(),
});

export const TranscriptLineSchema = z.union([WireLineSchema, HostLineSchema]);

/** A line in memory: the file's fields, its time as `ms` instead of `ts`. */
type InMemory<FileLine> = Omit<FileLine, 'ts'> & { ms: number };

export type WireLine = InMemory<z.infer<typeof WireLineSchema>>;
export type HostLine = InMemory<z.infer<typeof HostLineSchema>>;
export type TranscriptLine = WireLine | HostLine;
export type WireDirection = WireLine['dir'];

export function isWireLine(line: TranscriptLine): line is WireLine {
  return 'dir' in line;
}

export class TranscriptLineError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'TranscriptLineError';
  }
}

/**
 * Parses one transcript line. Throws TranscriptLineError naming what is wrong; the caller adds the
 * line number, reports it and goes on with the next line.
 */
export function parseTranscriptLine(text: string): TranscriptLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TranscriptLineError(`not JSON (${errorMessage(error)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TranscriptLineError(
      'expected a JSON object with ts, session and either server/dir/msg or host',
    );
  }
  const shaped = 'dir' in value || 'msg' in value || 'server' in value ? WireLineSchema : HostLineSchema;
  const result = shaped.safeParse(value);
  if (result.success) {
    const { ts, ...fields } = result.data;
    return { ms: Date.parse(ts), ...fields };
  }
  const issues = result.error.issues
    .slice(0, 4)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new TranscriptLineError(`invalid transcript line: ${issues.join('; ')}`);
}

/** One line of the file (no newline): the line's fields, its time written back as `ts` first. */
export function formatTranscriptLine({ ms, ...rest }: TranscriptLine): string {
  return JSON.stringify({ ts: isoTime(ms), ...rest });
}
