import { canonicalJson, isRecord } from '../model/index.js';

/**
 * The text a result puts into the model's context, which is what injection lives in: text parts,
 * embedded resource text and resource links, joined by newlines. Binary parts leave a short marker
 * so that their presence is still visible.
 */

function partText(part: unknown): string | null {
  if (!isRecord(part)) return null;
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' ? part.text : null;
    case 'resource':
      return isRecord(part.resource) ? resourceContentsText(part.resource) : null;
    case 'resource_link':
      return typeof part.uri === 'string' ? part.uri : null;
    default:
      return typeof part.type === 'string'
        ? `[${part.type}${typeof part.mimeType === 'string' ? ` ${part.mimeType}` : ''}]`
        : null;
  }
}

function resourceContentsText(contents: Record<string, unknown>): string {
  if (typeof contents.text === 'string') return contents.text;
  return `[blob${typeof contents.mimeType === 'string' ? ` ${contents.mimeType}` : ''}]`;
}

function joined(parts: readonly (string | null)[]): string {
  return parts.filter((part): part is string => part !== null).join('\n');
}

/** `tools/call` result: content parts, or the structured content when there are none. */
export function toolResultText(result: unknown): string {
  if (!isRecord(result)) return '';
  const content = Array.isArray(result.content) ? result.content : [];
  if (content.length === 0 && result.structuredContent !== undefined)
    return canonicalJson(result.structuredContent);
  return joined(content.map(partText));
}

/** `resources/read` result: the text of every returned content. */
export function resourceReadText(result: unknown): string {
  if (!isRecord(result) || !Array.isArray(result.contents)) return '';
  return joined(result.contents.map((c) => (isRecord(c) ? resourceContentsText(c) : null)));
}

/** `prompts/get` result: the description and each message as `role: text`. */
export function promptGetText(result: unknown): string {
  if (!isRecord(result)) return '';
  const messages = Array.isArray(result.messages) ? result.messages : [];
  return joined([
    typeof result.description === 'string' ? result.description : null,
    ...messages.map((m) => (isRecord(m) ? `${String(m.role)}: ${partText(m.content) ?? ''}` : null)),
  ]);
}
