import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MODEL_INDEX = resolve(REPO_ROOT, 'model/index.ts');

/** The specifier by which `file` imports the event model: `../model/index.js`, or `./index.js` inside model/. */
export function modelSpecifier(file: string): string {
  const path = relative(dirname(resolve(file)), MODEL_INDEX).replace(/\.ts$/, '.js');
  return path.startsWith('.') ? path : `./${path}`;
}

/**
 * `source` importing `name` from the event model: added to the file's existing value import of
 * model/index.js when it has one, otherwise as a new import after the last top-level import.
 */
export function withModelImport(file: string, source: string, name: string): string {
  const specifier = modelSpecifier(file);
  const escaped = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const existing = new RegExp(`import \\{([^}]*)\\} from '${escaped}';`);
  const match = existing.exec(source);
  if (match) {
    const names = match[1]!
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n.length > 0);
    if (names.includes(name)) return source;
    const merged = `import { ${[...names, name].join(', ')} } from '${specifier}';`;
    return source.slice(0, match.index) + merged + source.slice(match.index + match[0].length);
  }
  const line = `import { ${name} } from '${specifier}';\n`;
  const imports = [...source.matchAll(/^import [^;]*;\n/gm)];
  const last = imports.at(-1);
  if (!last) {
    const shebang = /^#!.*\n/.exec(source);
    const at = shebang ? shebang[0].length : 0;
    return source.slice(0, at) + line + source.slice(at);
  }
  const at = last.index + last[0].length;
  return source.slice(0, at) + line + source.slice(at);
}
