import { readdir, readFile, readlink } from 'node:fs/promises';
import { endianness } from 'node:os';

/**
 * The local process at the other end of a loopback TCP connection, found as `ss -p` does: the
 * connection's socket inode in `/proc/net/tcp{,6}`, then the process holding a descriptor on it.
 * Linux only; elsewhere, or for a process of another user, nothing is found.
 */

export interface SocketEnds {
  /** The peer's address and port, as the accepting side sees them. */
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

/** Whether an address (as Node reports it) is the loopback interface. */
export function isLoopback(address: string): boolean {
  const v4 = address.replace(/^::ffff:/i, '');
  return /^127\./.test(v4) || address === '::1';
}

/** An address in `/proc/net/tcp{,6}`: 32-bit words in host byte order, the port big-endian. */
function decodeEndpoint(hex: string, littleEndian: boolean): { address: string; port: number } | undefined {
  const [addressHex = '', portHex = ''] = hex.split(':');
  if (!/^[0-9A-F]+$/i.test(addressHex) || (addressHex.length !== 8 && addressHex.length !== 32))
    return undefined;
  const bytes: number[] = [];
  for (let word = 0; word < addressHex.length; word += 8) {
    const wordBytes = [0, 2, 4, 6].map((i) => parseInt(addressHex.slice(word + i, word + i + 2), 16));
    bytes.push(...(littleEndian ? wordBytes.reverse() : wordBytes));
  }
  const port = parseInt(portHex, 16);
  if (!Number.isInteger(port)) return undefined;
  if (bytes.length === 4) return { address: bytes.join('.'), port };
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return { address: bytes.slice(12).join('.'), port };
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1) return { address: '::1', port };
  // Only loopback peers are looked up: any other IPv6 address needs no canonical form here.
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return { address: groups.join(':'), port };
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one address. */
function normalAddress(address: string): string {
  return address.replace(/^::ffff:/i, '');
}

/**
 * The inode of the peer's own socket of a connection: the `/proc/net/tcp{,6}` row whose local end is
 * the peer's address and whose remote end is ours.
 */
export function peerSocketInode(
  table: string,
  ends: SocketEnds,
  littleEndian: boolean = endianness() === 'LE',
): string | undefined {
  const peer = normalAddress(ends.remoteAddress);
  const self = normalAddress(ends.localAddress);
  for (const row of table.split('\n').slice(1)) {
    const columns = row.trim().split(/\s+/);
    const local = decodeEndpoint(columns[1] ?? '', littleEndian);
    const remote = decodeEndpoint(columns[2] ?? '', littleEndian);
    const inode = columns[9];
    if (local === undefined || remote === undefined || inode === undefined || inode === '0') continue;
    if (
      local.port === ends.remotePort &&
      remote.port === ends.localPort &&
      normalAddress(local.address) === peer &&
      normalAddress(remote.address) === self
    )
      return inode;
  }
  return undefined;
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** The pid of the local process at the other end of a loopback connection, if it can be found. */
export async function peerProcess(ends: SocketEnds): Promise<number | undefined> {
  if (!isLoopback(ends.remoteAddress)) return undefined;
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    inode = peerSocketInode(await readOrEmpty(table), ends);
    if (inode !== undefined) break;
  }
  if (inode === undefined) return undefined;
  const target = `socket:[${inode}]`;
  let pids: number[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return undefined;
  }
  // Newest first: a host that connected to a proxy started by hand is usually younger than most.
  for (const pid of pids.sort((a, b) => b - a)) {
    if (pid !== process.pid && (await holdsSocket(pid, target))) return pid;
  }
  return undefined;
}

async function holdsSocket(pid: number, target: string): Promise<boolean> {
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return false; // another user's process, or gone
  }
  const links = await Promise.all(
    fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')), // '' : closed meanwhile
  );
  return links.includes(target);
}
