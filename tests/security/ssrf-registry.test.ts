/**
 * Issue 13, finding 7: the SSRF guard follows the IANA special-purpose address registries. Every block of the IPv4
 * and IPv6 registries (RFC 6890 and its updates, as of 2025) is listed below with the registry's "Globally Reachable"
 * column; a sample address from the start, the middle and the end of each block must be allowed exactly when that
 * column says True. N/A (6to4, Teredo, deprecated ORCHID) counts as not reachable. Also: multicast, and addresses
 * embedding a non-public IPv4 (6to4, Teredo, NAT64, IPv4-mapped), are refused, on the HTTP client and the browser guard.
 */
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { classifyAddress, httpRequest, isNonPublicAddress, RequestRefusedError } from '../../src/collectors/common/http.ts';
import { createBrowserGuard } from '../../src/collectors/common/browser-guard.ts';

/** [block, name, globally reachable] from https://www.iana.org/assignments/iana-ipv4-special-registry */
const IPV4_REGISTRY: [string, string, boolean][] = [
  ['0.0.0.0/8', '"This network"', false],
  ['0.0.0.0/32', '"This host on this network"', false],
  ['10.0.0.0/8', 'Private-Use', false],
  ['100.64.0.0/10', 'Shared Address Space', false],
  ['127.0.0.0/8', 'Loopback', false],
  ['169.254.0.0/16', 'Link Local', false],
  ['172.16.0.0/12', 'Private-Use', false],
  ['192.0.0.0/24', 'IETF Protocol Assignments', false],
  ['192.0.0.0/29', 'IPv4 Service Continuity Prefix (DS-Lite)', false],
  ['192.0.0.8/32', 'IPv4 dummy address', false],
  ['192.0.0.9/32', 'Port Control Protocol Anycast', true],
  ['192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', true],
  ['192.0.0.170/32', 'NAT64/DNS64 Discovery', false],
  ['192.0.0.171/32', 'NAT64/DNS64 Discovery', false],
  ['192.0.2.0/24', 'Documentation (TEST-NET-1)', false],
  ['192.31.196.0/24', 'AS112-v4', true],
  ['192.52.193.0/24', 'AMT', true],
  ['192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', false],
  ['192.168.0.0/16', 'Private-Use', false],
  ['192.175.48.0/24', 'Direct Delegation AS112 Service', true],
  ['198.18.0.0/15', 'Benchmarking', false],
  ['198.51.100.0/24', 'Documentation (TEST-NET-2)', false],
  ['203.0.113.0/24', 'Documentation (TEST-NET-3)', false],
  ['240.0.0.0/4', 'Reserved', false],
  ['255.255.255.255/32', 'Limited Broadcast', false],
];

/** [block, name, globally reachable] from https://www.iana.org/assignments/iana-ipv6-special-registry */
const IPV6_REGISTRY: [string, string, boolean][] = [
  ['::1/128', 'Loopback Address', false],
  ['::/128', 'Unspecified Address', false],
  ['::ffff:0:0/96', 'IPv4-mapped Address', false],
  ['64:ff9b::/96', 'IPv4-IPv6 Translat.', true],
  ['64:ff9b:1::/48', 'IPv4-IPv6 Translat. (local use)', false],
  ['100::/64', 'Discard-Only Address Block', false],
  ['100:0:0:1::/64', 'Dummy IPv6 Prefix', false],
  ['2001::/23', 'IETF Protocol Assignments', false],
  ['2001::/32', 'TEREDO', false], // N/A
  ['2001:1::1/128', 'Port Control Protocol Anycast', true],
  ['2001:1::2/128', 'Traversal Using Relays around NAT Anycast', true],
  ['2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', true],
  ['2001:2::/48', 'Benchmarking', false],
  ['2001:3::/32', 'AMT', true],
  ['2001:4:112::/48', 'AS112-v6', true],
  ['2001:10::/28', 'Deprecated (previously ORCHID)', false], // N/A
  ['2001:20::/28', 'ORCHIDv2', true],
  ['2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', true],
  ['2001:db8::/32', 'Documentation', false],
  ['2002::/16', '6to4', false], // N/A
  ['2620:4f:8000::/48', 'Direct Delegation AS112 Service', true],
  ['3fff::/20', 'Documentation', false],
  ['5f00::/16', 'Segment Routing (SRv6) SIDs', false],
  ['fc00::/7', 'Unique-Local', false],
  ['fe80::/10', 'Link-Local Unicast', false],
];

/** The first, a middle and the last address of a block, skipping sub-blocks that the registry lists separately. */
function samples(cidr: string, registry: [string, string, boolean][]): string[] {
  const [base, bits] = ipaddr.parseCIDR(cidr);
  const bytes = base.toByteArray();
  const hostBits = bytes.length * 8 - bits;
  const at = (offset: bigint) => {
    let n = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n) + offset;
    const out: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      out.unshift(Number(n & 255n));
      n >>= 8n;
    }
    return ipaddr.fromByteArray(out).toString();
  };
  const size = 1n << BigInt(hostBits);
  const candidates = [...new Set([at(0n), at(size / 2n + 1n < size ? size / 2n + 1n : 0n), at(size - 1n)])];
  // A sample inside a smaller, more specific registry block belongs to that block's verdict, not this one's.
  return candidates.filter((ip) => {
    const addr = ipaddr.parse(ip);
    return !registry.some(([other]) => {
      if (other === cidr) return false;
      const [ob, obits] = ipaddr.parseCIDR(other);
      return obits > bits && addr.kind() === ob.kind() && addr.match(ob, obits);
    });
  });
}

describe.each([
  ['IPv4', IPV4_REGISTRY],
  ['IPv6', IPV6_REGISTRY],
] as const)('IANA %s special-purpose registry', (_family, registry) => {
  it.each(registry)('%s (%s): globally reachable = %s', (cidr, _name, reachable) => {
    const ips = samples(cidr, registry);
    expect(ips.length).toBeGreaterThan(0);
    for (const ip of ips) {
      // The NAT64 block is reachable, but a translator would connect to the IPv4 address in its last 32 bits: that
      // address must be reachable too (64:ff9b::7f00:1 is 127.0.0.1).
      const embedded = cidr === '64:ff9b::/96' ? classifyAddress(new ipaddr.IPv4(ipaddr.parse(ip).toByteArray().slice(12)).toString()).allowed : true;
      expect(classifyAddress(ip).allowed, `${ip} in ${cidr}`).toBe(reachable && embedded);
    }
  });
});

describe('addresses named in the issue, and embedded IPv4', () => {
  it.each([
    ['2002:7f00:1::1', '127.0.0.1'], // 6to4 of loopback
    ['2002:0a00:0001::1', '10.0.0.1'],
    ['2001:0:7f00:1::1', '127.0.0.1'], // Teredo
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '65.54.227.120'], // RFC 4380 example: Teredo is refused even with a public server
    ['192.88.99.1', ''],
    ['100::1', ''],
    ['2001:db8::1', ''],
    ['64:ff9b::7f00:1', '127.0.0.1'], // NAT64 of loopback
    ['::ffff:192.168.1.1', '192.168.1.1'],
    ['ff02::1', ''],
    ['224.0.0.1', ''],
    ['[::1]', ''],
    ['not-an-ip', ''],
  ])('%s is refused', (ip, embedded) => {
    const v = classifyAddress(ip);
    expect(v.allowed).toBe(false);
    if (!v.allowed && embedded) expect(v.reason).toContain(embedded);
    expect(isNonPublicAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '2606:4700::1111', '64:ff9b::808:808', '192.0.0.9', '2001:4860:4860::8888'])('%s is allowed', (ip) => {
    expect(classifyAddress(ip).allowed).toBe(true);
  });

  it.each(['2002:7f00:1::1', '2001:0:7f00:1::1', '192.88.99.1', '100::1', '2001:db8::1'])('the HTTP client refuses http://[%s]/ before connecting', async (ip) => {
    const host = ip.includes(':') ? `[${ip}]` : ip;
    await expect(httpRequest(`http://${host}/`, { timeoutMs: 2000 })).rejects.toBeInstanceOf(RequestRefusedError);
  });

  it('the browser guard refuses an allowed host that resolves to 6to4 of loopback', async () => {
    const guard = createBrowserGuard({ origin: 'https://www.tiktok.com', allowedHostSuffixes: ['tiktokcdn.com'], lookup: async () => ['2002:7f00:1::1'] });
    const verdict = await guard.check('https://p16.tiktokcdn.com/x.jpg');
    expect(verdict.allowed).toBe(false);
  });
});
