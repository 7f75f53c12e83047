import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback, peerSocketInode } from '../../../shim/peer-process.js';

// Rows as the kernel writes them on a little-endian machine: the client 127.0.0.1:40000 connected
// to the proxy at 127.0.0.1:8931 (both ends of the connection are listed, plus the listener).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:22E3 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0 100 0 0 10 0
   1: 0100007F:22E3 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0 20 4 30 10 -1
   2: 0100007F:9C40 0100007F:22E3 01 00000000:00000000 00:00000000 00000000  1000        0 333 1 0 20 4 30 10 -1
`;
// The same client over IPv6 loopback, and one over an IPv4-mapped address.
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:9C41 00000000000000000000000001000000:22E3 01 00000000:00000000 00:00000000 00000000  1000        0 444 1 0 20 4 30 10 -1
   1: 0000000000000000FFFF00000100007F:9C42 0000000000000000FFFF00000100007F:22E3 01 00000000:00000000 00:00000000 00000000  1000        0 555 1 0 20 4 30 10 -1
`;

describe('peer process of a loopback connection', () => {
  it("finds the peer's own socket, not the proxy's end of the connection or its listener", () => {
    const ends = {
      remoteAddress: '127.0.0.1',
      remotePort: 40000,
      localAddress: '127.0.0.1',
      localPort: 8931,
    };
    assert.equal(peerSocketInode(TCP, ends, true), '333');
  });

  it('reads IPv6 loopback and IPv4-mapped rows', () => {
    assert.equal(
      peerSocketInode(
        TCP6,
        { remoteAddress: '::1', remotePort: 40001, localAddress: '::1', localPort: 8931 },
        true,
      ),
      '444',
    );
    assert.equal(
      peerSocketInode(
        TCP6,
        {
          remoteAddress: '::ffff:127.0.0.1',
          remotePort: 40002,
          localAddress: '::ffff:127.0.0.1',
          localPort: 8931,
        },
        true,
      ),
      '555',
    );
  });

  it('finds nothing for a port no row holds', () => {
    const ends = {
      remoteAddress: '127.0.0.1',
      remotePort: 40009,
      localAddress: '127.0.0.1',
      localPort: 8931,
    };
    assert.equal(peerSocketInode(TCP, ends, true), undefined);
  });

  it('looks up loopback peers only', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('::ffff:127.0.0.5'));
    assert.ok(!isLoopback('10.0.0.2') && !isLoopback('::ffff:192.168.1.4') && !isLoopback('fe80::1'));
  });
});
