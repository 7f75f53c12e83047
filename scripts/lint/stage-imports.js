// ESLint rule: a pipeline stage (top-level folder) is reached from another stage only through its
// index.js, so each index.ts is the whole of what a stage offers the others. Files inside one stage
// (its subfolders included) import each other freely. The options name the exceptions: folders that
// may reach internals (tests, benchmarks, developer scripts), extra entry points of a stage, and the
// leaf modules some stages may import directly.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function stageOf(file) {
  const relative = path.relative(ROOT, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const parts = relative.split(path.sep);
  return parts.length > 1 ? parts[0] : undefined;
}

function repoPath(file) {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

/** @type {import('eslint').Rule.RuleModule} */
export const stageImports = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Import another top-level folder only through its index.js, never a module inside it',
    },
    messages: {
      deep:
        "'{{source}}' reaches inside {{stage}}/; import it from '{{index}}' instead " +
        '(export it from {{stage}}/index.ts if it is not there yet).',
    },
    schema: [
      {
        type: 'object',
        properties: {
          mayImportDeep: { type: 'array', items: { type: 'string' } },
          entryPoints: { type: 'array', items: { type: 'string' } },
          directModules: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                from: { type: 'array', items: { type: 'string' } },
                modules: { type: 'array', items: { type: 'string' } },
              },
              required: ['from', 'modules'],
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const options = context.options[0] ?? {};
    const file = context.filename;
    const ownStage = stageOf(file);
    if (ownStage === undefined || (options.mayImportDeep ?? []).includes(ownStage)) return {};
    const allowed = new Set(options.entryPoints ?? []);
    for (const { from, modules } of options.directModules ?? []) {
      if (from.includes(ownStage)) for (const module of modules) allowed.add(module);
    }

    function check(sourceNode) {
      if (!sourceNode || sourceNode.type !== 'Literal' || typeof sourceNode.value !== 'string') return;
      const source = sourceNode.value;
      if (!source.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), source);
      const targetStage = stageOf(target);
      if (targetStage === undefined || targetStage === ownStage) return;
      const stageIndex = path.join(ROOT, targetStage, 'index.js');
      if (target === stageIndex || allowed.has(repoPath(target))) return;
      const index = path.relative(path.dirname(file), stageIndex).split(path.sep).join('/');
      context.report({
        node: sourceNode,
        messageId: 'deep',
        data: { source, stage: targetStage, index: index.startsWith('.') ? index : `./${index}` },
      });
    }

    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};
