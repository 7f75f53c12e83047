import { formatDuration } from '../platform/index.js';
import type { CappedContent, UserIdentity, UserSource } from '../model/index.js';
import type { TimelineEntry } from './timeline.js';

/**
 * A session timeline for a terminal: one line per event, grouped under a header per turn.
 * Stored text is untrusted (it came from MCP servers and models): control and format characters
 * (terminal escapes, bidi overrides, zero-width) are shown as `\u{…}`, never written raw.
 */

const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

export function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function content(c: CappedContent, max?: number): string {
  return excerpt(c.text, max) + (c.truncated ? ` …(${c.bytes} B)` : '');
}

export function describeEntry(entry: TimelineEntry): string {
  const r = entry.record;
  if (!('kind' in r)) {
    return `ALERT ${r.severity} ${r.rule} [${r.status}] ${excerpt(r.summary, 120)}`;
  }
  switch (r.kind) {
    case 'turn':
      return r.phase === 'start'
        ? `user: ${content(r.text)}${r.inferred ? ' (inferred)' : ''}${r.user_id && ` — for ${describeUser(r)}`}`
        : `turn end${r.inferred ? ' (inferred)' : ''}`;
    case 'prompt':
      return `prompt: ${r.message_count} messages, ${r.tool_count} tools, ${r.messages.bytes} B`;
    case 'tool_call':
      return (
        `call #${r.chain_index} ${excerpt(r.server_name, 30)}/${excerpt(r.tool, 40)}(${content(r.arguments, 60)}) → ` +
        `${r.is_error ? `ERROR ${excerpt(r.error_type, 20)} ${excerpt(r.error_message, 40)} ` : ''}${content(r.result, 60)} ` +
        formatDuration(r.duration_ms)
      );
    case 'content_read':
      return `${r.method} ${excerpt(r.server_name, 30)} ${excerpt(r.target, 60)} → ${content(r.content, 60)}`;
    case 'catalog': {
      const d = r.diff;
      const changes = [
        ...d.added.map((n) => `+${n}`),
        ...d.removed.map((n) => `-${n}`),
        ...d.changed.map((c) => `~${c.name}(${c.fields.join(',')})`),
      ];
      return (
        `catalog ${excerpt(r.server_name, 30)} ${r.catalog_kind} (${r.trigger}): ${r.item_count} items ` +
        `${r.hash.slice(0, 12)}${r.previous_hash && r.previous_hash !== r.hash ? ` was ${r.previous_hash.slice(0, 12)}` : ''}` +
        (changes.length > 0 ? ` ${excerpt(changes.join(' '), 100)}` : '')
      );
    }
    case 'egress':
      return (
        `egress ${r.channel} → ${excerpt(r.dest_scheme, 10)} ${excerpt(r.dest_host, 60)}` +
        `${r.dest_port ? `:${r.dest_port}` : ''}${r.tool ? ` via ${excerpt(r.tool, 40)}` : ''} (${excerpt(r.location, 40)})`
      );
    case 'assistant_output':
      return `assistant: ${content(r.text)}`;
  }
}

function turnOf(entry: TimelineEntry): string {
  return 'kind' in entry.record ? entry.record.turn_id : '';
}

const USER_SOURCE_WORDS: Readonly<Record<UserSource, string>> = {
  '': '',
  option: 'host option',
  session: 'host session option',
  enduser_attribute: "host's user.id attribute",
  proxy_flag: 'proxy --user',
  env: 'MCPTAP_USER_ID',
  os_user: 'OS user',
};

/** `alice (team payments, from proxy --user)`: who the events were for, as the host asserted it. */
export function describeUser(
  user: Pick<UserIdentity, 'user_id' | 'team'> & { user_source?: UserSource },
): string {
  const facts = [
    user.team && `team ${excerpt(user.team, 40)}`,
    user.user_source && `from ${USER_SOURCE_WORDS[user.user_source]}`,
  ].filter(Boolean);
  return `${excerpt(user.user_id, 60)}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}`;
}

export function formatTimeline(entries: readonly TimelineEntry[]): string {
  const lines: string[] = [];
  let turn: string | undefined;
  for (const entry of entries) {
    const current = turnOf(entry);
    // Alerts carry no turn: they stay under the turn they were raised in.
    if ('kind' in entry.record && current !== turn) {
      turn = current;
      lines.push(`── ${turn === '' ? '(outside any turn)' : `turn ${excerpt(turn, 60)}`} ──`);
    }
    lines.push(`${new Date(entry.time_ms).toISOString().slice(11, 23)}  ${describeEntry(entry)}`);
  }
  return lines.join('\n');
}
