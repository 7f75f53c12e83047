import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PinFileSchema, type PinFile } from './scan-findings.js';
import { errorMessage } from '../model/index.js';

/** The pinned catalogs of earlier scans: a missing file is an empty pin set. */
export function readPins(path: string): PinFile {
  if (!existsSync(path)) return { version: 1, servers: {} };
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`pin file ${path} is not JSON (${errorMessage(error)}): remove it to pin afresh`);
  }
  const parsed = PinFileSchema.safeParse(value);
  if (!parsed.success)
    throw new Error(`pin file ${path} is not an mcptap scan pin file: remove it to pin afresh`);
  return parsed.data;
}

/** Written private (catalogs may carry whatever a server put in them) and atomically. */
export function writePins(path: string, pins: PinFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(pins, null, 1) + '\n', { mode: 0o600 });
  renameSync(temporary, path);
}
