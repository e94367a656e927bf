/**
 * Which IP addresses collectors may connect to: the SSRF policy, by the IANA special-purpose address registries
 * (IPv4 and IPv6, RFC 6890 and updates) and their "Globally Reachable" column.
 *
 * ipaddr.js classifies an address into its special-purpose block (`range()`); this file only says which of those
 * blocks are globally reachable. Hand-written on top of the library because ipaddr.js names blocks but does not carry
 * the registry's verdicts, lumps a few globally reachable /32s and /128s (PCP and TURN anycast) into larger reserved
 * blocks, and does not know the newest entry (100:0:0:1::/64, RFC 9780).
 *
 * Rules:
 *  - a block marked globally reachable (True) is allowed; False and N/A (6to4, Teredo, deprecated ORCHID) are refused,
 *    as are multicast and everything else ipaddr.js puts outside `unicast`;
 *  - addresses that embed an IPv4 address: the NAT64 prefix 64:ff9b::/96 (globally reachable) is allowed only if the
 *    embedded IPv4 is, since the translator would connect there; IPv4-mapped (::ffff:a.b.c.d, not a wire address),
 *    6to4 (2002::/16) and Teredo (2001::/32) are refused in any case, and the message names the embedded address
 *    (2002:7f00:1::1 is 127.0.0.1). Resolvers hand out plain IPv4 for IPv4 hosts, so refusing mapped forms costs nothing;
 *  - anything that is not an IP address is refused.
 */
import ipaddr from 'ipaddr.js';

export type AddressVerdict = { allowed: true; range: string } | { allowed: false; range: string; reason: string };

/** ipaddr.js IPv4 ranges that are globally reachable in the IANA registry. */
const GLOBAL_V4_RANGES: ReadonlySet<string> = new Set(['unicast', 'as112', 'amt']);
/** ipaddr.js IPv6 ranges that are globally reachable in the IANA registry. */
const GLOBAL_V6_RANGES: ReadonlySet<string> = new Set(['unicast', 'amt', 'as112v6', 'orchid2', 'droneRemoteIdProtocolEntityTags']);

/** Globally reachable registry entries inside blocks ipaddr.js calls reserved. */
const GLOBAL_V4_EXCEPTIONS = ['192.0.0.9/32', '192.0.0.10/32'].map((c) => ipaddr.IPv4.parseCIDR(c)); // PCP, TURN anycast
const GLOBAL_V6_EXCEPTIONS = ['2001:1::1/128', '2001:1::2/128', '2001:1::3/128'].map((c) => ipaddr.IPv6.parseCIDR(c)); // PCP, TURN, DNS-SD SRP anycast
/** Registry entries ipaddr.js (2.5) treats as unicast but the registry marks not globally reachable. */
const NON_GLOBAL_V6_EXTRA = [['100:0:0:1::/64', 'dummyPrefix']] as const; // RFC 9780
const NON_GLOBAL_V6_PARSED = NON_GLOBAL_V6_EXTRA.map(([c, name]) => ({ cidr: ipaddr.IPv6.parseCIDR(c), name }));
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** Classify an address for outbound connections. Brackets and IPv6 zone ids are accepted. */
export function classifyAddress(raw: string): AddressVerdict {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (!ipaddr.isValid(text)) return { allowed: false, range: 'invalid', reason: `${raw} is not an IP address` };
  const addr = ipaddr.parse(text);
  if (addr.kind() === 'ipv4') return classifyV4(addr as ipaddr.IPv4);
  return classifyV6(addr as ipaddr.IPv6);
}

function classifyV4(a: ipaddr.IPv4): AddressVerdict {
  const range = a.range();
  if (GLOBAL_V4_RANGES.has(range) || GLOBAL_V4_EXCEPTIONS.some((c) => a.match(c))) return { allowed: true, range };
  return { allowed: false, range, reason: `${a.toString()} is in a special-purpose block that is not globally reachable (${range})` };
}

function classifyV6(a: ipaddr.IPv6): AddressVerdict {
  const range = a.range();
  const shown = a.toRFC5952String();
  const embedded = (v4: ipaddr.IPv4, what: string): AddressVerdict => {
    const inner = classifyV4(v4);
    return inner.allowed ? { allowed: true, range } : { allowed: false, range, reason: `${shown} is ${what} of ${v4.toString()}, which is not globally reachable (${inner.range})` };
  };
  if (range === 'ipv4Mapped') {
    return { allowed: false, range, reason: `${shown} is the IPv4-mapped form of ${a.toIPv4Address().toString()}; IPv4-mapped addresses are not globally reachable (use the IPv4 address)` };
  }
  if (a.match(NAT64_WELL_KNOWN)) return embedded(new ipaddr.IPv4(bytesOf(a).slice(12)), 'the NAT64 (64:ff9b::/96) form');
  if (range === '6to4') {
    const v4 = new ipaddr.IPv4(bytesOf(a).slice(2, 6));
    return { allowed: false, range, reason: `${shown} is a 6to4 address (embedding ${v4.toString()}); 6to4 is not globally reachable` };
  }
  if (range === 'teredo') {
    const v4 = new ipaddr.IPv4(bytesOf(a).slice(4, 8));
    return { allowed: false, range, reason: `${shown} is a Teredo address (server ${v4.toString()}); Teredo is not globally reachable` };
  }
  const extra = NON_GLOBAL_V6_PARSED.find((e) => a.match(e.cidr));
  if (extra) return { allowed: false, range: extra.name, reason: `${shown} is in a special-purpose block that is not globally reachable (${extra.name})` };
  if (GLOBAL_V6_RANGES.has(range) || GLOBAL_V6_EXCEPTIONS.some((c) => a.match(c))) return { allowed: true, range };
  return { allowed: false, range, reason: `${shown} is in a special-purpose block that is not globally reachable (${range})` };
}

function bytesOf(a: ipaddr.IPv6): number[] {
  return a.toByteArray();
}

/** Is this address one collectors must not reach unless its origin was configured explicitly? */
export function isNonPublicAddress(ip: string): boolean {
  return !classifyAddress(ip).allowed;
}
