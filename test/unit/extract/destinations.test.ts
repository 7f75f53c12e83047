import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findArgumentDestinations } from '../../../extract/argument-destinations.js';
import { destinationFromBareHost, normalizeIpv4 } from '../../../extract/destination.js';
import { findMarkdownDestinations } from '../../../extract/markdown-destinations.js';

const hosts = (args: unknown) =>
  findArgumentDestinations(args).map((d) => [d.scheme, d.host, d.port, d.location]);

describe('IPv4 normalisation', () => {
  it('reads decimal, octal, hex and short forms as inet_aton does', () => {
    assert.equal(normalizeIpv4('2130706433'), '127.0.0.1');
    assert.equal(normalizeIpv4('0x7f000001'), '127.0.0.1');
    assert.equal(normalizeIpv4('0177.0.0.01'), '127.0.0.1');
    assert.equal(normalizeIpv4('0xa9.0xfe.0xa9.0xfe'), '169.254.169.254');
    assert.equal(normalizeIpv4('169.254.43518'), '169.254.169.254');
    assert.equal(normalizeIpv4('127.1'), '127.0.0.1');
  });
  it('rejects what is not an address', () => {
    assert.equal(normalizeIpv4('256.0.0.1'), null);
    assert.equal(normalizeIpv4('1.2.3.4.5'), null);
    assert.equal(normalizeIpv4('08.0.0.1'), null);
    assert.equal(normalizeIpv4('example.com'), null);
    assert.equal(normalizeIpv4('4294967296'), null);
  });
});

describe('destinations in tool arguments', () => {
  it('finds URLs of any scheme with their JSON path', () => {
    assert.deepEqual(
      hosts({
        url: 'https://evil.example.com:8443/upload?d=1',
        nested: { list: ['gopher://127.0.0.1:70/_GET', 'file:///etc/passwd'] },
        'callback url': 'ftp://files.example.org/x',
      }),
      [
        ['https', 'evil.example.com', 8443, '$.url'],
        ['gopher', '127.0.0.1', 70, '$.nested.list[0]'],
        ['file', '', 0, '$.nested.list[1]'],
        ['ftp', 'files.example.org', 0, '$["callback url"]'],
      ],
    );
  });
  it('normalises IPs written in decimal, octal and hex inside URLs', () => {
    assert.deepEqual(
      hosts({ a: 'http://2130706433/', b: 'http://0x7f.0.0.1/', c: 'http://0251.0376.0251.0376/latest' }),
      [
        ['http', '127.0.0.1', 0, '$.a'],
        ['http', '127.0.0.1', 0, '$.b'],
        ['http', '169.254.169.254', 0, '$.c'],
      ],
    );
  });
  it('finds e-mail addresses and mailto links', () => {
    assert.deepEqual(hosts({ to: ['Attacker@Evil.example.com'], body: 'write to mailto:x@leak.io please' }), [
      ['mailto', 'evil.example.com', 0, '$.to[0]'],
      ['mailto', 'leak.io', 0, '$.body'],
    ]);
  });
  it('finds bare hosts and IPs, including IPv6 and cloud metadata names', () => {
    assert.deepEqual(
      hosts({
        host: 'metadata.google.internal',
        target: '[fd00:ec2::254]:80',
        ip: '2130706433',
        addr: '169.254.169.254:8080',
        cmd: 'curl -s 169.254.169.254/latest/meta-data/',
      }),
      [
        ['host', 'metadata.google.internal', 0, '$.host'],
        ['host', 'fd00:ec2::254', 80, '$.target'],
        ['host', '127.0.0.1', 0, '$.ip'],
        ['host', '169.254.169.254', 8080, '$.addr'],
        ['host', '169.254.169.254', 0, '$.cmd'],
      ],
    );
  });
  it('does not take file names, numbers or versions for hosts', () => {
    assert.deepEqual(
      hosts({ path: 'notes.txt', script: 'setup.py', count: '2130706433', version: '1.2.3.4', n: 42 }),
      [],
    );
    assert.equal(destinationFromBareHost('report.pdf', false), null);
    assert.notEqual(destinationFromBareHost('report.pdf', true), null);
  });
  it('trims sentence punctuation and unbalanced brackets after a URL', () => {
    const [d] = findArgumentDestinations({ text: '(see https://example.com/a_(b)).' });
    assert.equal(d?.value, 'https://example.com/a_(b)');
  });
  it('reports a value once per location and bounds the count', () => {
    assert.equal(findArgumentDestinations({ a: 'https://x.io https://x.io' }).length, 1);
    const many = Array.from({ length: 500 }, (_, i) => `https://h${i}.example.com/`);
    assert.equal(findArgumentDestinations({ many }, 64).length, 64);
  });
});

describe('destinations in assistant output', () => {
  const channels = (text: string) => findMarkdownDestinations(text).map((d) => [d.channel, d.host]);
  it('tells images, links and bare URLs apart', () => {
    assert.deepEqual(
      channels(
        'Done. ![chart](https://img.example.com/p.png?d=c2VjcmV0 "t") see [docs](https://docs.example.org) or https://plain.example.net/x.',
      ),
      [
        ['assistant_image', 'img.example.com'],
        ['assistant_link', 'docs.example.org'],
        ['assistant_url', 'plain.example.net'],
      ],
    );
  });
  it('resolves reference-style images and HTML images', () => {
    assert.deepEqual(
      channels(
        '![logo][l]\n<img src="https://html.example.com/i.gif?x=1">\n\n[l]: https://ref.example.com/i.png\n[other]: https://link.example.com',
      ),
      [
        ['assistant_image', 'ref.example.com'],
        ['assistant_link', 'link.example.com'],
        ['assistant_image', 'html.example.com'],
      ],
    );
  });
  it('ignores relative links and e-mail addresses merely mentioned', () => {
    assert.deepEqual(channels('See [the file](./notes.md) or write to me@example.com.'), []);
  });
});
