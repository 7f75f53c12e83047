import type { EgressChannel } from '../model/index.js';
import { destinationFromUrl, findDestinationsInText, type Destination } from './destination.js';

export interface MarkdownDestination extends Destination {
  channel: Extract<EgressChannel, 'assistant_image' | 'assistant_link' | 'assistant_url'>;
}

const TITLE = String.raw`(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?`;
// Bracketed text excludes `[` itself so that a run of brackets cannot make the scan quadratic.
const INLINE_IMAGE = new RegExp(String.raw`!\[[^[\]]*\]\(\s*<?([^\s)>]+)>?${TITLE}\s*\)`, 'g');
const INLINE_LINK = new RegExp(String.raw`(?<!!)\[[^[\]]*\]\(\s*<?([^\s)>]+)>?${TITLE}\s*\)`, 'g');
const REFERENCE_DEFINITION = /^[ \t]{0,3}\[([^[\]\n]+)\]:[ \t]*<?([^\s>]+)>?.*$/gm;
const REFERENCE_IMAGE = /!\[([^[\]]*)\]\[([^[\]]*)\]/g;
const HTML_IMAGE = /<img\b[^<>]{0,2048}?\bsrc\s*=\s*["']?([^"'\s>]+)/gi;

interface Span {
  start: number;
  end: number;
}

/**
 * Destinations in text the model showed the user. An image is fetched by the client as soon as it
 * renders, with whatever the model put in its URL — the classic zero-click exfiltration channel —
 * so images (inline, reference-style and HTML) are told apart from links and bare URLs.
 */
export function findMarkdownDestinations(text: string): MarkdownDestination[] {
  const found: MarkdownDestination[] = [];
  const consumed: Span[] = [];
  const add = (channel: MarkdownDestination['channel'], url: string, span: Span) => {
    consumed.push(span);
    const destination = destinationFromUrl(url);
    if (destination !== null) found.push({ ...destination, channel });
  };
  const definitions = new Map<string, { url: string; span: Span }>();
  for (const match of text.matchAll(REFERENCE_DEFINITION)) {
    const label = (match[1] ?? '').toLowerCase();
    const span = { start: match.index, end: match.index + match[0].length };
    if (!definitions.has(label)) definitions.set(label, { url: match[2] ?? '', span });
  }
  const imageLabels = new Set<string>();
  for (const match of text.matchAll(REFERENCE_IMAGE)) {
    const label = (match[2] || match[1] || '').toLowerCase();
    const definition = definitions.get(label);
    if (definition !== undefined && !imageLabels.has(label)) {
      imageLabels.add(label);
      add('assistant_image', definition.url, definition.span);
    }
  }
  for (const [label, definition] of definitions) {
    if (!imageLabels.has(label)) add('assistant_link', definition.url, definition.span);
  }
  for (const [pattern, channel] of [
    [INLINE_IMAGE, 'assistant_image'],
    [HTML_IMAGE, 'assistant_image'],
    [INLINE_LINK, 'assistant_link'],
  ] as const) {
    for (const match of text.matchAll(pattern)) {
      const span = { start: match.index, end: match.index + match[0].length };
      if (!consumed.some((c) => span.start < c.end && span.end > c.start)) add(channel, match[1] ?? '', span);
    }
  }
  for (const destination of findDestinationsInText(text)) {
    // Addresses and IPs merely mentioned to the user go nowhere by themselves; URLs can be followed.
    const mentioned = destination.scheme === 'host' || !/^[a-z][a-z0-9+.-]*:/i.test(destination.value);
    if (mentioned || consumed.some((c) => destination.start < c.end && destination.end > c.start)) continue;
    found.push({
      scheme: destination.scheme,
      host: destination.host,
      port: destination.port,
      value: destination.value,
      channel: 'assistant_url',
    });
  }
  return found;
}
