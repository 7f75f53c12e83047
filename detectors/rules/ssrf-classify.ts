import { BlockList, isIP } from 'node:net';
import type { DetectorRules } from '../config/detector-rules.js';
import { globToRegExp } from '../config/detector-rules.js';

export type SsrfCategory =
  'metadata' | 'loopback' | 'private' | 'link_local' | 'cgnat' | 'internal_name' | 'scheme';

export interface SsrfVerdict {
  category: SsrfCategory;
  /** The host as classified (normalised). */
  host: string;
}

function blockList(ranges: Array<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [net, prefix, family] of ranges) list.addSubnet(net, prefix, family);
  return list;
}

const LOOPBACK = blockList([
  ['127.0.0.0', 8, 'ipv4'],
  ['0.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['::', 128, 'ipv6'],
]);
const PRIVATE = blockList([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const LINK_LOCAL = blockList([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
const CGNAT = blockList([['100.64.0.0', 10, 'ipv4']]);

/**
 * The host in one canonical form: IPv4 written in decimal, octal, hex or short form becomes dotted
 * decimal (WHATWG URL host parsing, as browsers and fetch resolve it), IPv6 is compressed, and an
 * IPv4-mapped or IPv4-compatible IPv6 address yields its IPv4 address.
 */
export function canonicalHost(host: string): string {
  let h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (isIP(h) === 6 || h.includes(':')) {
    try {
      h = new URL(`http://[${h}]/`).hostname.slice(1, -1);
    } catch {
      return h;
    }
    const mapped = /^::(?:ffff:)?(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(h);
    if (mapped !== null && h !== '::1' && h !== '::') {
      if (mapped[1] !== undefined) return mapped[1];
      const hi = parseInt(mapped[2] ?? '0', 16);
      const lo = parseInt(mapped[3] ?? '0', 16);
      return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
    }
    return h;
  }
  try {
    return new URL(`http://${h}/`).hostname;
  } catch {
    return h;
  }
}

/** Why a destination is an SSRF target, or null. `scheme` as written (`http`, `file`, `host` …). */
export function classifySsrf(scheme: string, rawHost: string, rules: DetectorRules): SsrfVerdict | null {
  const cfg = rules.ssrf;
  const host = canonicalHost(rawHost);
  if (cfg.allow_hosts.some((glob) => globToRegExp(glob).test(host))) return null;
  if (cfg.metadata_hosts.includes(host)) return { category: 'metadata', host };
  const family = isIP(host);
  if (family !== 0) {
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (cfg.check_loopback && LOOPBACK.check(host, type)) return { category: 'loopback', host };
    if (cfg.check_link_local && LINK_LOCAL.check(host, type)) return { category: 'link_local', host };
    if (cfg.check_private && PRIVATE.check(host, type)) return { category: 'private', host };
    if (cfg.check_cgnat && CGNAT.check(host, type)) return { category: 'cgnat', host };
  } else if (host !== '') {
    if (cfg.check_loopback && (host === 'localhost' || host.endsWith('.localhost')))
      return { category: 'loopback', host };
    if (
      cfg.check_internal_names &&
      (/\.(internal|local|lan|corp|intranet|home\.arpa)$/.test(host) ||
        (!host.includes('.') && scheme !== 'mailto' && scheme !== 'host'))
    ) {
      return { category: 'internal_name', host };
    }
  }
  if (cfg.blocked_schemes.includes(scheme.toLowerCase())) return { category: 'scheme', host };
  return null;
}
