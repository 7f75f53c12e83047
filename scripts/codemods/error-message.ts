/**
 * Rewrites the hand-written "message of a thrown value" idioms into model's errorMessage() and adds
 * its import:
 *
 *   error instanceof Error ? error.message : String(error)   ->  errorMessage(error)
 *   (error as Error).message                                  ->  errorMessage(error)
 *
 *   node --import tsx scripts/codemods/error-message.ts FILE...
 *
 * Files are rewritten in place; each changed file is printed with its count. Run prettier after.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withModelImport } from './model-import.js';

const IDIOMS: readonly RegExp[] = [
  /\b([A-Za-z_$][\w$]*) instanceof Error \? \1\.message : String\(\1\)/g,
  /\(([A-Za-z_$][\w$]*) as Error\)\.message\b/g,
];

export function rewriteErrorMessages(file: string, source: string): { source: string; count: number } {
  let count = 0;
  let rewritten = source;
  for (const idiom of IDIOMS) {
    rewritten = rewritten.replace(idiom, (_match, name: string) => {
      count += 1;
      return `errorMessage(${name})`;
    });
  }
  if (count === 0) return { source, count };
  return { source: withModelImport(file, rewritten, 'errorMessage'), count };
}

function main(files: readonly string[]): void {
  if (files.length === 0) {
    console.error('usage: node --import tsx scripts/codemods/error-message.ts FILE...');
    process.exitCode = 2;
    return;
  }
  for (const file of files) {
    const { source, count } = rewriteErrorMessages(file, readFileSync(file, 'utf8'));
    if (count === 0) continue;
    writeFileSync(file, source);
    console.log(`${file}: ${count}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  main(process.argv.slice(2));
