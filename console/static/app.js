/* global document, window, location, fetch, URLSearchParams, FormData */
// The mcptap console: one page, hash routes, data from /api/. Everything shown comes from tool
// traffic, so the DOM is built only from elements and text nodes (never HTML strings): a tool result
// holding markup is displayed as the text it is.
'use strict';

const view = document.getElementById('view');

/** An element with properties (className, href, title, onclick, data-*, …) and children (text or nodes). */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('data-') || key === 'for' || key === 'aria-label')
      node.setAttribute(key, String(value));
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
function fmtTime(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
function fmtClock(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}
const fmtCount = (n) => Number(n).toLocaleString('en-US');
const shortHash = (hash) => (hash ? hash.slice(0, 12) : '—');

const sessionHref = (id) => `#/sessions/${encodeURIComponent(id)}`;
const alertHref = (fingerprint) => `#/alerts/${encodeURIComponent(fingerprint)}`;
const userHref = (id) => `#/users/${encodeURIComponent(id)}`;
const serverHref = (id) => `#/servers/${encodeURIComponent(id)}`;

function severityBadge(severity) {
  return el('span', { className: `badge sev-${severity}` }, severity);
}

function tags(values, className = 'tag') {
  return values.length === 0
    ? el('span', { className: 'muted' }, '—')
    : values.map((v) => el('span', { className }, v));
}

/** Captured content: its text, and a note when it was cut at the cap. */
function content(captured, label) {
  if (!captured || captured.text === '') return el('div', { className: 'muted small' }, `${label}: (empty)`);
  return el(
    'div',
    { className: 'content' },
    el(
      'div',
      { className: 'content-label' },
      label,
      captured.truncated
        ? el('span', { className: 'muted' }, ` — first part of ${fmtCount(captured.bytes)} bytes`)
        : null,
    ),
    el('pre', {}, prettyJson(captured.text)),
  );
}

function prettyJson(text) {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return text;
  }
}

async function api(path) {
  const response = await fetch(`/api/${path}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

function table(headers, rows, empty) {
  if (rows.length === 0) return el('p', { className: 'empty' }, empty);
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((h) => el('th', {}, h)),
      ),
    ),
    el('tbody', {}, rows),
  );
}

function heading(title, ...rest) {
  return el('div', { className: 'heading' }, el('h1', {}, title), rest);
}

function select(name, label, options, value) {
  return el(
    'label',
    { className: 'filter' },
    label,
    el(
      'select',
      { name },
      el('option', { value: '' }, 'any'),
      options.map((o) => el('option', { value: o, selected: o === value }, o)),
    ),
  );
}

/** A filter form whose values become the route's query (so a filtered view can be linked). */
function filterForm(route, fields) {
  const form = el('form', { className: 'filters' }, fields, el('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value !== '') params.set(key, String(value));
    const query = params.toString();
    location.hash = `#/${route}${query ? `?${query}` : ''}`;
  });
  form.addEventListener('change', (event) => {
    if (event.target.tagName === 'SELECT') form.requestSubmit();
  });
  return form;
}

// ---------------------------------------------------------------------------------------------
// Sessions

async function sessionsView(query) {
  const params = new URLSearchParams(query);
  const data = await api(`sessions?${params}`);
  const rows = data.sessions.map((s) =>
    el(
      'tr',
      { 'data-session': s.session_id },
      el('td', { className: 'nowrap' }, fmtTime(s.last_seen_ms)),
      el('td', {}, el('a', { href: sessionHref(s.session_id), className: 'mono' }, s.session_id)),
      el('td', {}, tags(s.hosts)),
      el('td', {}, tags(s.servers)),
      el('td', { className: 'num' }, fmtCount(s.events)),
      el(
        'td',
        {},
        s.alerts > 0
          ? [el('span', { className: 'badge alert-count' }, String(s.alerts)), ' ', tags(s.rules, 'tag rule')]
          : el('span', { className: 'muted' }, '0'),
      ),
      el(
        'td',
        {},
        s.users.map((user) => el('a', { href: userHref(user), className: 'tag' }, user)),
      ),
    ),
  );
  return [
    heading('Sessions', el('span', { className: 'muted' }, `${data.sessions.length} most recently active`)),
    filterForm('sessions', [
      el(
        'label',
        { className: 'filter grow' },
        'Search',
        el('input', {
          name: 'search',
          type: 'search',
          value: params.get('search') ?? '',
          placeholder: 'session, host, user, server or tool',
        }),
      ),
      select('server', 'Server', data.servers, params.get('server')),
      select('rule', 'Alert rule', data.rules, params.get('rule')),
    ]),
    table(
      ['Last activity (UTC)', 'Session', 'Host', 'Servers', 'Events', 'Alerts', 'User (as the host asserts)'],
      rows,
      'No session matches.',
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// One session's timeline (and the evidence of an alert): every stored record, rendered by kind

function describe(entry) {
  const r = entry.record;
  if (entry.table === 'alerts') return null;
  switch (r.kind) {
    case 'turn':
      return r.phase === 'start'
        ? {
            label: 'turn',
            title: r.inferred ? 'User turn (inferred)' : 'User turn',
            body: [content(r.text, 'user')],
          }
        : { label: 'turn', title: 'Turn ended', body: [] };
    case 'prompt':
      return {
        label: 'prompt',
        title: `Prompt: ${r.message_count} messages, ${r.tool_count} tools exposed`,
        body: [
          el('details', {}, el('summary', {}, 'context the model saw'), content(r.messages, 'messages')),
        ],
      };
    case 'catalog': {
      const changed = r.previous_hash !== '' && r.hash !== r.previous_hash;
      const diff = [
        r.diff.added.length > 0 ? el('div', {}, 'added: ', tags(r.diff.added, 'tag added')) : null,
        r.diff.removed.length > 0 ? el('div', {}, 'removed: ', tags(r.diff.removed, 'tag removed')) : null,
        r.diff.changed.length > 0
          ? el(
              'div',
              {},
              'changed: ',
              r.diff.changed.map((c) =>
                el('span', { className: 'tag changed' }, `${c.name} (${c.fields.join(', ')})`),
              ),
            )
          : null,
      ];
      return {
        label: 'catalog',
        title: [
          `${changed ? 'Catalog CHANGED' : 'Catalog'}: ${r.catalog_kind} of `,
          el('a', { href: serverHref(r.server_id) }, r.server_name),
          ` (${r.trigger}), ${r.item_count} items, ${shortHash(r.hash)}`,
        ],
        className: changed ? 'changed' : '',
        body: changed ? diff : [],
      };
    }
    case 'content_read':
      return {
        label: 'read',
        title: `${r.method} ${r.target} from ${r.server_name}${r.is_error ? ` — error ${r.error_type}` : ''}`,
        body: [content(r.content, 'content')],
      };
    case 'tool_call':
      return {
        label: 'call',
        title: [
          el('strong', {}, `${r.server_name} · ${r.tool}`),
          ` (#${r.chain_index}, ${Math.round(r.duration_ms)} ms)`,
          r.is_error ? el('span', { className: 'err' }, ` error ${r.error_type} ${r.error_message}`) : null,
        ],
        body: [content(r.arguments, 'arguments'), content(r.result, 'result')],
      };
    case 'egress':
      return {
        label: 'egress',
        title: [
          `Egress (${r.channel.replace('_', ' ')}) → `,
          el('strong', {}, r.dest_host),
          r.tool ? ` via ${r.server_name} · ${r.tool}` : '',
        ],
        body: [el('div', { className: 'mono small' }, r.dest_value.text, ` (${r.location})`)],
      };
    case 'assistant_output':
      return { label: 'output', title: 'Assistant output', body: [content(r.text, 'text')] };
    default:
      return { label: r.kind, title: r.kind, body: [] };
  }
}

function alertBox(a) {
  return el(
    'div',
    { className: `alert-box sev-border-${a.severity}`, 'data-alert': a.fingerprint },
    el(
      'div',
      { className: 'alert-title' },
      severityBadge(a.severity),
      ' ',
      el('a', { href: alertHref(a.fingerprint) }, a.rule),
      a.status === 'resolved' ? el('span', { className: 'badge resolved' }, 'resolved') : null,
      a.tool ? el('span', { className: 'muted' }, ` ${a.server_name} · ${a.tool}`) : null,
    ),
    el('p', { className: 'summary' }, a.summary),
    a.runbook ? el('p', { className: 'runbook' }, el('strong', {}, 'What to do next: '), a.runbook) : null,
  );
}

function timelineRow(entry, evidenceOf) {
  if (entry.table === 'alerts') {
    return el(
      'li',
      { className: 'entry alert', 'data-kind': 'alert' },
      el('time', {}, fmtClock(entry.time_ms)),
      el('span', { className: 'kind kind-alert' }, 'ALERT'),
      el('div', { className: 'entry-main' }, alertBox(entry.record)),
    );
  }
  const d = describe(entry);
  const rules = evidenceOf.get(entry.record.event_id) ?? [];
  return el(
    'li',
    {
      className: `entry ${d.className ?? ''} ${rules.length > 0 ? 'evidence' : ''}`,
      'data-kind': entry.record.kind,
      'data-event-id': entry.record.event_id,
    },
    el('time', {}, fmtClock(entry.time_ms)),
    el('span', { className: `kind kind-${d.label}` }, d.label),
    el(
      'div',
      { className: 'entry-main' },
      el('div', { className: 'entry-title' }, d.title),
      rules.length > 0 ? el('div', { className: 'evidence-note' }, `evidence of ${rules.join(', ')}`) : null,
      d.body,
    ),
  );
}

/**
 * The events in stored order, each alert right after the last of its evidence events (in stored
 * order it follows its whole turn when it fired at the turn's last millisecond); an alert without
 * evidence in view stays at its time.
 */
function placeAlerts(entries) {
  const events = entries.filter((e) => e.table !== 'alerts');
  const indexOf = new Map(events.map((e, i) => [e.record.event_id, i]));
  const anchored = events.map(() => []);
  const leading = [];
  for (const entry of entries) {
    if (entry.table !== 'alerts') continue;
    let anchor = Math.max(-1, ...entry.record.evidence_event_ids.map((id) => indexOf.get(id) ?? -1));
    if (anchor < 0) anchor = events.findLastIndex((e) => e.time_ms <= entry.time_ms);
    (anchor < 0 ? leading : anchored[anchor]).push(entry);
  }
  return [...leading, ...events.flatMap((e, i) => [e, ...anchored[i]])];
}

function timeline(entries) {
  const evidenceOf = new Map();
  for (const e of entries) {
    if (e.table !== 'alerts' || e.record.status !== 'firing') continue;
    for (const id of e.record.evidence_event_ids)
      evidenceOf.set(id, [...(evidenceOf.get(id) ?? []), e.record.rule]);
  }
  return el(
    'ol',
    { className: 'timeline' },
    placeAlerts(entries).map((e) => timelineRow(e, evidenceOf)),
  );
}

async function sessionView(id) {
  const data = await api(`sessions/${encodeURIComponent(id)}`);
  const entries = data.entries;
  const events = entries.filter((e) => e.table !== 'alerts');
  const firing = entries.filter((e) => e.table === 'alerts' && e.record.status === 'firing');
  const hosts = [...new Set(events.map((e) => e.record.host_id))];
  const users = [...new Set(events.map((e) => e.record.user_id).filter(Boolean))].sort();
  const teams = [...new Set(events.map((e) => e.record.team).filter(Boolean))].sort();
  const servers = [...new Set(events.map((e) => e.record.server_name).filter(Boolean))].sort();
  const calls = events.filter((e) => e.record.kind === 'tool_call').length;
  return [
    el('p', { className: 'crumbs' }, el('a', { href: '#/sessions' }, 'Sessions'), ' / '),
    heading(el('span', { className: 'mono' }, id)),
    el(
      'dl',
      { className: 'facts' },
      el('dt', {}, 'Time (UTC)'),
      el('dd', {}, `${fmtTime(entries[0].time_ms)} → ${fmtClock(entries[entries.length - 1].time_ms)}`),
      el('dt', {}, 'Host'),
      el('dd', {}, tags(hosts)),
      el('dt', {}, 'User'),
      el(
        'dd',
        {},
        users.length > 0
          ? [
              tags(users),
              teams.length > 0 ? [' team ', tags(teams)] : '',
              el('span', { className: 'muted' }, ' (asserted by the host)'),
            ]
          : el('span', { className: 'muted' }, 'unknown'),
      ),
      el('dt', {}, 'Servers'),
      el('dd', {}, tags(servers)),
      el('dt', {}, 'Events'),
      el('dd', {}, `${fmtCount(events.length)} (${calls} tool calls)`),
      el('dt', {}, 'Alerts'),
      el(
        'dd',
        {},
        firing.length === 0
          ? '0'
          : firing.map((a) =>
              el(
                'a',
                { href: alertHref(a.record.fingerprint), className: 'alert-link' },
                severityBadge(a.record.severity),
                ` ${a.record.rule}`,
              ),
            ),
      ),
    ),
    el('h2', {}, 'Timeline'),
    timeline(entries),
  ];
}

// ---------------------------------------------------------------------------------------------
// Alerts

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];

async function alertsView(query) {
  const params = new URLSearchParams(query);
  const data = await api(`alerts?${params}`);
  const rows = data.alerts.map((a) =>
    el(
      'tr',
      { 'data-alert': a.fingerprint },
      el('td', { className: 'nowrap' }, fmtTime(Date.parse(a.time))),
      el('td', {}, severityBadge(a.severity)),
      el('td', {}, el('a', { href: alertHref(a.fingerprint) }, a.rule)),
      el('td', {}, el('span', { className: `badge ${a.status}` }, a.status)),
      el('td', {}, a.server_name ? `${a.server_name}${a.tool ? ` · ${a.tool}` : ''}` : '—'),
      el(
        'td',
        {},
        a.session_id
          ? el('a', { href: sessionHref(a.session_id), className: 'mono small' }, a.session_id)
          : '—',
      ),
      el('td', { className: 'summary-cell' }, a.summary),
    ),
  );
  return [
    heading('Alerts', el('span', { className: 'muted' }, `${data.alerts.length} newest first`)),
    filterForm('alerts', [
      select('severity', 'Severity at least', SEVERITIES, params.get('severity')),
      select('rule', 'Rule', data.rules, params.get('rule')),
    ]),
    table(
      ['Time (UTC)', 'Severity', 'Rule', 'Status', 'Server · tool', 'Session', 'Summary'],
      rows,
      'No alert matches.',
    ),
  ];
}

async function alertView(fingerprint) {
  const data = await api(`alerts/${encodeURIComponent(fingerprint)}`);
  const a = data.alert;
  const details = Object.entries(a.details);
  return [
    el('p', { className: 'crumbs' }, el('a', { href: '#/alerts' }, 'Alerts'), ' / '),
    heading(a.rule, severityBadge(a.severity), el('span', { className: `badge ${a.status}` }, a.status)),
    el('p', { className: 'summary lead' }, a.summary),
    el(
      'dl',
      { className: 'facts' },
      el('dt', {}, 'First seen (UTC)'),
      el('dd', {}, fmtTime(Date.parse(a.time))),
      el('dt', {}, 'Session'),
      el(
        'dd',
        {},
        a.session_id ? el('a', { href: sessionHref(a.session_id), className: 'mono' }, a.session_id) : '—',
      ),
      el('dt', {}, 'Host'),
      el('dd', {}, a.host_id || '—'),
      el('dt', {}, 'Server · tool'),
      el(
        'dd',
        {},
        a.server_id ? el('a', { href: serverHref(a.server_id) }, a.server_name) : a.server_name || '—',
        a.tool ? ` · ${a.tool}` : '',
      ),
      el('dt', {}, 'Rule'),
      el(
        'dd',
        {},
        el('span', { className: 'mono' }, a.rule),
        el('span', { className: 'muted' }, ` (fingerprint ${a.fingerprint})`),
      ),
    ),
    el(
      'div',
      { className: 'runbook-box' },
      el('h2', {}, 'What to do next'),
      el('p', {}, a.runbook || 'No runbook given by the rule.'),
    ),
    details.length > 0
      ? [
          el('h2', {}, 'Details'),
          table(
            ['Fact', 'Value'],
            details.map(([k, v]) =>
              el('tr', {}, el('td', { className: 'mono' }, k), el('td', {}, el('pre', {}, v))),
            ),
            '',
          ),
        ]
      : null,
    el('h2', {}, `Evidence (${data.evidence.length} of ${a.evidence_event_ids.length} events stored)`),
    data.evidence.length === 0
      ? el(
          'p',
          { className: 'empty' },
          'The evidence events are not in the store (expired or not yet written).',
        )
      : el(
          'ol',
          { className: 'timeline' },
          data.evidence.map((e) => timelineRow(e, new Map([[e.record.event_id, [a.rule]]]))),
        ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Servers

async function serversView() {
  const data = await api('servers');
  const rows = data.servers.map((s) =>
    el(
      'tr',
      { 'data-server': s.server_name, className: s.catalog_changes > 0 ? 'row-changed' : '' },
      el('td', {}, el('a', { href: serverHref(s.server_id) }, s.server_name)),
      el('td', {}, s.server_version || '—'),
      el(
        'td',
        { className: 'nowrap' },
        s.approval === 'approved' || s.approval === 'no_policy'
          ? s.approval.replace('_', ' ')
          : el('span', { className: 'badge changed' }, s.approval.replaceAll('_', ' ')),
      ),
      el('td', {}, s.trust ? s.trust.replace('_', ' ') : '—'),
      el('td', { className: 'num' }, String(s.hosts)),
      el('td', { className: 'nowrap' }, fmtTime(s.first_seen_ms)),
      el('td', { className: 'nowrap' }, fmtTime(s.last_seen_ms)),
      el('td', { className: 'num' }, fmtCount(s.calls)),
      el(
        'td',
        { className: 'num' },
        s.errors > 0 ? el('span', { className: 'err' }, fmtCount(s.errors)) : '0',
      ),
      el('td', { className: 'num' }, fmtCount(s.sessions)),
      el(
        'td',
        { className: 'num' },
        s.catalog_changes > 0
          ? el('span', { className: 'badge changed' }, `${s.catalog_changes} changed`)
          : '0',
      ),
    ),
  );
  return [
    heading('Servers', el('span', { className: 'muted' }, `${data.servers.length} MCP servers seen`)),
    table(
      [
        'Server',
        'Version',
        'Approval',
        'Trust',
        'Hosts',
        'First seen (UTC)',
        'Last seen (UTC)',
        'Tool calls',
        'Errors',
        'Sessions',
        'Catalog',
      ],
      rows,
      'No server seen yet.',
    ),
  ];
}

/** Before/after of one field, the part that differs marked (common start and end left plain). */
function fieldDiff(change) {
  const a = change.before;
  const b = change.after;
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end])
    end++;
  const side = (text, className) =>
    text === ''
      ? el('pre', { className: `side ${className}` }, el('span', { className: 'muted' }, '(absent)'))
      : el(
          'pre',
          { className: `side ${className}` },
          text.slice(0, start),
          el('mark', {}, text.slice(start, text.length - end)),
          text.slice(text.length - end),
        );
  return el(
    'div',
    { className: 'field-diff', 'data-field': change.field },
    el('div', { className: 'field-name mono' }, change.field),
    el('div', { className: 'sides' }, side(a, 'before'), side(b, 'after')),
  );
}

function versionCard(v, index, count) {
  const first = index === count - 1;
  const hasChanges = v.added.length + v.removed.length + v.changed.length > 0;
  return el(
    'section',
    { className: `version ${first ? '' : 'changed'}`, 'data-hash': v.hash },
    el(
      'div',
      { className: 'version-head' },
      el('strong', {}, first ? `First ${v.catalog_kind} catalog` : `${v.catalog_kind} catalog changed`),
      el('span', { className: 'mono muted' }, ` ${shortHash(v.hash)}`),
      el(
        'span',
        { className: 'muted' },
        ` · ${v.item_count} items · seen ${v.snapshots}× from ${fmtTime(v.first_seen_ms)} to ${fmtTime(v.last_seen_ms)} UTC on `,
        v.hosts.join(', '),
      ),
    ),
    el(
      'div',
      { className: 'small' },
      'sessions: ',
      v.sessions.slice(0, 6).map((s) => [el('a', { href: sessionHref(s), className: 'mono' }, s), ' ']),
      v.sessions.length > 6 ? el('span', { className: 'muted' }, `+${v.sessions.length - 6} more`) : null,
    ),
    first || !hasChanges
      ? null
      : el(
          'div',
          { className: 'diff' },
          v.added.length > 0 ? el('div', {}, 'Added: ', tags(v.added, 'tag added')) : null,
          v.removed.length > 0 ? el('div', {}, 'Removed: ', tags(v.removed, 'tag removed')) : null,
          v.changed.map((item) =>
            el(
              'div',
              { className: 'item-change' },
              el('div', {}, 'Changed: ', el('span', { className: 'tag changed' }, item.name)),
              item.fields.map(fieldDiff),
            ),
          ),
          v.items_complete
            ? null
            : el(
                'p',
                { className: 'muted small' },
                'Items were cut at the content cap: only names are compared.',
              ),
        ),
    v.instructions
      ? el('details', {}, el('summary', {}, 'server instructions'), el('pre', {}, v.instructions))
      : null,
  );
}

async function serverView(id) {
  const data = await api(`servers/${encodeURIComponent(id)}`);
  const s = data.server;
  return [
    el('p', { className: 'crumbs' }, el('a', { href: '#/servers' }, 'Servers'), ' / '),
    heading(
      s.server_name,
      el('span', { className: 'muted' }, s.server_version ? `version ${s.server_version}` : ''),
    ),
    el(
      'dl',
      { className: 'facts' },
      el('dt', {}, 'Server id'),
      el('dd', { className: 'mono small' }, s.server_id),
      el('dt', {}, 'Seen (UTC)'),
      el('dd', {}, `${fmtTime(s.first_seen_ms)} → ${fmtTime(s.last_seen_ms)} on ${s.hosts} host(s)`),
      el('dt', {}, 'Alerts'),
      el(
        'dd',
        {},
        el(
          'a',
          { href: `#/alerts?server=${encodeURIComponent(s.server_name)}` },
          `alerts about ${s.server_name}`,
        ),
      ),
    ),
    el('h2', {}, `Catalog history (${data.versions.length} versions, newest first)`),
    data.versions.length === 0
      ? el('p', { className: 'empty' }, 'No catalog snapshot stored for this server.')
      : data.versions.map((v, i) => versionCard(v, i, data.versions.length)),
    el('h2', {}, 'Current tools'),
    table(
      ['Name', 'Description'],
      data.current_items.map((item) =>
        el(
          'tr',
          {},
          el('td', { className: 'mono nowrap' }, String(item.name ?? item.uri ?? '')),
          el('td', {}, el('div', { className: 'desc' }, String(item.description ?? ''))),
        ),
      ),
      'No items in the latest snapshot.',
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Destinations

async function destinationsView() {
  const data = await api('destinations');
  const rows = data.destinations.map((d) =>
    el(
      'tr',
      { 'data-destination': d.dest_host },
      el('td', { className: 'mono' }, d.dest_host),
      el('td', { className: 'num' }, fmtCount(d.events)),
      el('td', {}, tags(d.channels.map((c) => c.replace('_', ' ')))),
      el('td', {}, tags(d.servers)),
      el('td', { className: 'nowrap' }, fmtTime(d.first_seen_ms)),
      el('td', { className: 'nowrap' }, fmtTime(d.last_seen_ms)),
      el(
        'td',
        {},
        d.sessions
          .slice(0, 3)
          .map((s) => el('div', {}, el('a', { href: sessionHref(s), className: 'mono small' }, s))),
        d.sessions.length > 3
          ? el('div', { className: 'muted small' }, `+${d.sessions.length - 3} more`)
          : null,
      ),
    ),
  );
  return [
    heading(
      'Destinations',
      el('span', { className: 'muted' }, `${data.destinations.length} hosts reached, most recent first`),
    ),
    table(
      ['Host', 'Events', 'Channels', 'Servers', 'First seen (UTC)', 'Last seen (UTC)', 'Sessions'],
      rows,
      'No egress seen yet.',
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Users: who the calls were made for, as the hosts asserted it (never authenticated)

const ASSERTED = 'as the hosts assert them: a claim, not an authenticated identity';

async function usersView() {
  const data = await api('users');
  const rows = data.users.map((u) =>
    el(
      'tr',
      { 'data-user': u.user_id },
      el('td', {}, el('a', { href: userHref(u.user_id) }, u.user_id)),
      el('td', {}, tags(u.teams)),
      el('td', { className: 'num' }, fmtCount(u.sessions)),
      el('td', { className: 'num' }, `${fmtCount(u.calls)}${u.errors > 0 ? ` (${u.errors} errors)` : ''}`),
      el(
        'td',
        {},
        u.alerts > 0
          ? el('span', { className: 'badge alert-count' }, String(u.alerts))
          : el('span', { className: 'muted' }, '0'),
      ),
      el('td', {}, tags(u.destinations.slice(0, 5))),
      el('td', { className: 'nowrap' }, fmtTime(u.last_seen_ms)),
    ),
  );
  return [
    heading('Users', el('span', { className: 'muted' }, ASSERTED)),
    table(
      ['User', 'Team', 'Sessions', 'Tool calls', 'Alerts', 'Destinations', 'Last seen (UTC)'],
      rows,
      'No host has said whom its calls are for.',
    ),
  ];
}

async function userView(id) {
  const data = await api(`users/${encodeURIComponent(id)}`);
  const u = data.user;
  return [
    el('p', { className: 'crumbs' }, el('a', { href: '#/users' }, 'Users'), ' / '),
    heading(el('span', { className: 'mono' }, id), el('span', { className: 'muted' }, ASSERTED)),
    el(
      'dl',
      { className: 'facts' },
      el('dt', {}, 'Team'),
      el('dd', {}, tags(u.teams)),
      el('dt', {}, 'Tool calls'),
      el('dd', {}, `${fmtCount(u.calls)} in ${fmtCount(u.sessions)} sessions, ${u.errors} errors`),
      el('dt', {}, 'Destinations'),
      el('dd', {}, tags(u.destinations)),
      el('dt', {}, 'Last seen (UTC)'),
      el('dd', {}, fmtTime(u.last_seen_ms)),
    ),
    el('h2', {}, 'Alerts'),
    table(
      ['Time (UTC)', 'Severity', 'Rule', 'Status', 'Session'],
      data.alerts.map((a) =>
        el(
          'tr',
          { 'data-alert': a.fingerprint },
          el('td', { className: 'nowrap' }, fmtTime(Date.parse(a.time))),
          el('td', {}, severityBadge(a.severity)),
          el('td', {}, el('a', { href: alertHref(a.fingerprint) }, a.rule)),
          el('td', {}, el('span', { className: `badge ${a.status}` }, a.status)),
          el('td', {}, el('a', { href: sessionHref(a.session_id), className: 'mono small' }, a.session_id)),
        ),
      ),
      "No alert on this user's calls.",
    ),
    el('h2', {}, 'Sessions'),
    table(
      ['Last activity (UTC)', 'Session', 'Servers', 'Events', 'Alerts'],
      data.sessions.map((s) =>
        el(
          'tr',
          { 'data-session': s.session_id },
          el('td', { className: 'nowrap' }, fmtTime(s.last_seen_ms)),
          el('td', {}, el('a', { href: sessionHref(s.session_id), className: 'mono' }, s.session_id)),
          el('td', {}, tags(s.servers)),
          el('td', { className: 'num' }, fmtCount(s.events)),
          el('td', { className: 'num' }, String(s.alerts)),
        ),
      ),
      'No session.',
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Audit: the sealed segments of the stored rows per tenant, and the store verified against them

const FINDING_LABEL = {
  edited_row: 'edited row',
  deleted_row: 'deleted row',
  inserted_row: 'inserted row',
  segment_rewritten: 'segment rewritten',
  bad_signature: 'bad signature',
  chain_broken: 'chain broken',
  segment_removed: 'segment removed',
  checkpoint_mismatch: 'checkpoint mismatch',
  checkpoint_missing: 'checkpoint missing',
  external_copy_damaged: 'checkpoint copy damaged',
};

const fmtSpan = (first, last) => `${fmtTime(first)} → ${fmtTime(last)}`;
const plural = (n, noun) => `${fmtCount(n)} ${noun}${n === 1 ? '' : 's'}`;

function verdict(v) {
  if (v.report === null) {
    return el(
      'div',
      { className: 'verdict unverified', 'data-verdict': 'unverified' },
      el('strong', {}, 'Not verified: '),
      v.cannot_verify,
    );
  }
  const r = v.report;
  const against = v.copies.length > 0 ? ` against ${v.copies.join(' and ')}` : '';
  const counts = `${plural(r.segments, 'segment')}, ${plural(r.sealedRows, 'sealed row')} (${plural(r.rowsRead, 'row')} read)${against}, at ${fmtTime(v.verified_at_ms)} UTC`;
  return el(
    'div',
    { className: `verdict ${r.ok ? 'intact' : 'tampered'}`, 'data-verdict': r.ok ? 'intact' : 'tampered' },
    el('strong', {}, r.ok ? 'Intact' : `Tampered: ${plural(r.findings.length, 'finding')}`),
    el('div', { className: 'small' }, counts),
    r.unsealed > 0
      ? el('div', { className: 'small muted' }, `${plural(r.unsealed, 'newer row')} not sealed yet.`)
      : null,
  );
}

function findingsTable(findings) {
  return table(
    ['Found', 'Tenant', 'Row', 'Segment', 'Sealed range (UTC)', 'What the verifier says'],
    findings.map((f) =>
      el(
        'tr',
        { 'data-finding': f.kind },
        el('td', {}, el('span', { className: 'badge tampered' }, FINDING_LABEL[f.kind] ?? f.kind)),
        el('td', {}, f.tenant || '—'),
        el('td', { className: 'mono small' }, f.member ?? '—'),
        el('td', { className: 'mono small nowrap' }, f.segment ?? '—'),
        el(
          'td',
          { className: 'nowrap small' },
          f.first_time_ms === undefined ? '—' : fmtSpan(f.first_time_ms, f.last_time_ms),
        ),
        el('td', { className: 'small' }, f.message),
      ),
    ),
    'No finding.',
  );
}

function tenantLog(t) {
  const latest = t.latest;
  return el(
    'section',
    { className: 'audit-tenant', 'data-tenant': t.tenant },
    el('h2', {}, `Tenant ${t.tenant}`),
    el(
      'dl',
      { className: 'facts' },
      el('dt', {}, 'Sealed'),
      el(
        'dd',
        {},
        `${plural(t.rows, 'row')} in ${plural(t.segments, 'segment')}, ${fmtSpan(t.first_time_ms, t.last_time_ms)} UTC`,
      ),
      el('dt', {}, 'Writers'),
      el('dd', {}, tags(t.writers)),
      el('dt', {}, 'Latest checkpoint'),
      el(
        'dd',
        { className: 'latest-checkpoint' },
        `${latest.writer}#${latest.seq}, sealed ${fmtTime(latest.sealed_at_ms)} UTC, rows up to ${fmtTime(latest.last_time_ms)}, hash `,
        el('span', { className: 'mono' }, shortHash(latest.hash)),
        ', key ',
        el('span', { className: 'mono' }, latest.key_id),
      ),
    ),
    table(
      ['Segment', 'Rows sealed (UTC)', 'Rows', 'Hash', 'Key id', 'Sealed at (UTC)'],
      t.recent.map((s) =>
        el(
          'tr',
          { 'data-segment': `${s.tenant}/${s.writer}#${s.seq}` },
          el('td', { className: 'mono nowrap' }, `${s.writer}#${s.seq}`),
          el('td', { className: 'nowrap' }, fmtSpan(s.first_time_ms, s.last_time_ms)),
          el('td', { className: 'num' }, fmtCount(s.count)),
          el('td', { className: 'mono', title: s.hash }, shortHash(s.hash)),
          el('td', { className: 'mono' }, s.key_id),
          el('td', { className: 'nowrap' }, fmtTime(s.sealed_at_ms)),
        ),
      ),
      'No segment.',
    ),
    t.recent.length < t.segments
      ? el('p', { className: 'muted small' }, `The newest ${t.recent.length} of ${t.segments} segments.`)
      : null,
  );
}

/** How far back a verification reads rows: all of them on a small store, the recent ones on a big one. */
const VERIFY_RANGES = [
  ['', 'all time'],
  ['1h', 'last hour'],
  ['24h', 'last 24 hours'],
  ['7d', 'last 7 days'],
];
const RANGE_MS = { h: 3600_000, d: 86_400_000 };

async function auditView(query) {
  const params = new URLSearchParams(query);
  const tenant = params.get('tenant') ?? '';
  const range = params.get('range') ?? '';
  const verifyParams = new URLSearchParams();
  if (tenant) verifyParams.set('tenant', tenant);
  const span = /^(\d+)([hd])$/.exec(range);
  if (span) verifyParams.set('from', String(Date.now() - Number(span[1]) * RANGE_MS[span[2]]));
  const [log, verification] = await Promise.all([api('audit'), api(`audit/verify?${verifyParams}`)]);
  const shown = log.tenants.filter((t) => tenant === '' || t.tenant === tenant);
  return [
    heading(
      'Audit log',
      el('span', { className: 'muted' }, 'stored rows sealed in hash-chained, signed segments per tenant'),
    ),
    filterForm('audit', [
      select(
        'tenant',
        'Tenant',
        log.tenants.map((t) => t.tenant),
        tenant,
      ),
      el(
        'label',
        { className: 'filter' },
        'Verify rows of',
        el(
          'select',
          { name: 'range' },
          VERIFY_RANGES.map(([value, label]) => el('option', { value, selected: value === range }, label)),
        ),
      ),
    ]),
    el('h2', {}, `Verification (${VERIFY_RANGES.find(([value]) => value === range)?.[1] ?? 'all time'})`),
    verdict(verification),
    verification.findings.length > 0 ? findingsTable(verification.findings) : null,
    verification.next_steps.length > 0
      ? el(
          'div',
          { className: 'runbook-box next-steps' },
          el('h3', {}, 'What to do next'),
          verification.next_steps.map((step) => el('p', {}, step)),
        )
      : null,
    el('p', {}, el('button', { type: 'button', onclick: () => render() }, 'Verify again')),
    shown.length === 0
      ? el('p', { className: 'empty' }, 'Nothing sealed yet: the writer seals stored rows within seconds.')
      : shown.map(tenantLog),
  ];
}

// ---------------------------------------------------------------------------------------------
// Routing

const ROUTES = [
  [/^\/sessions\/(.+)$/, (m) => sessionView(decodeURIComponent(m[1])), 'sessions'],
  [/^\/sessions$/, (_m, q) => sessionsView(q), 'sessions'],
  [/^\/alerts\/(.+)$/, (m) => alertView(decodeURIComponent(m[1])), 'alerts'],
  [/^\/alerts$/, (_m, q) => alertsView(q), 'alerts'],
  [/^\/servers\/(.+)$/, (m) => serverView(decodeURIComponent(m[1])), 'servers'],
  [/^\/servers$/, () => serversView(), 'servers'],
  [/^\/destinations$/, () => destinationsView(), 'destinations'],
  [/^\/users\/(.+)$/, (m) => userView(decodeURIComponent(m[1])), 'users'],
  [/^\/users$/, () => usersView(), 'users'],
  [/^\/audit$/, (_m, q) => auditView(q), 'audit'],
];

let rendering = 0;

async function render() {
  const hash = location.hash.replace(/^#/, '') || '/sessions';
  const [path, query = ''] = hash.split('?');
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  const token = ++rendering;
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('active', route !== undefined && link.dataset.view === route[2]);
  }
  if (route === undefined) {
    view.replaceChildren(
      el('p', { className: 'error' }, `No view at #${hash}. `),
      el('a', { href: '#/sessions' }, 'Sessions'),
    );
    return;
  }
  view.setAttribute('aria-busy', 'true');
  let nodes;
  try {
    nodes = await route[1](path.match(route[0]), query);
  } catch (error) {
    nodes = [el('p', { className: 'error' }, `Could not load this view: ${error.message}`)];
  }
  if (token !== rendering) return;
  view.replaceChildren(...[nodes].flat(Infinity).filter(Boolean));
  view.setAttribute('aria-busy', 'false');
  document.body.dataset.ready = path;
}

window.addEventListener('hashchange', render);
render();
