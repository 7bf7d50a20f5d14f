// Which IP addresses a postback must never reach unless private networks are allowed. The table
// follows the IANA IPv4 and IPv6 Special-Purpose Address Registries entry by entry, with their
// names; an address takes the verdict of the most specific entry that holds it.
//
// Verdicts: entries IANA marks "Globally Reachable: False" are blocked. Entries marked True (the
// anycast services, AS112, AMT, ORCHIDv2, DETs) are allowed: they are public destinations carved
// out of blocked parents such as 192.0.0.0/24 and 2001::/23. Entries marked N/A are deprecated or
// tunnels: 192.88.99.0/24, 2001:10::/28 and Teredo (whose IPv4 end is hidden) are blocked; 6to4
// carries the IPv4 address it reaches and is judged by it, as are IPv4-mapped and NAT64 addresses.
// A few entries come from elsewhere and say so: multicast, the IPv6 space outside global unicast,
// deprecated site-local, and the cloud metadata addresses.
import { isIPv4, isIPv6 } from 'node:net'

export interface SpecialRange {
  block: string
  /** the registry's name */
  name: string
  source: string
  /** how the address is described when refused: "a <kind> address" */
  kind: string
  verdict: 'blocked' | 'allowed' | 'embedded-ipv4'
}

const range = (block: string, name: string, source: string, kind: string, verdict: SpecialRange['verdict'] = 'blocked') =>
  ({ block, name, source, kind, verdict }) as const

const GLOBAL = 'globally reachable'

export const SPECIAL_RANGES: readonly SpecialRange[] = [
  // IANA IPv4 Special-Purpose Address Registry
  range('0.0.0.0/8', '"This network"', 'RFC 791', 'unspecified'),
  range('0.0.0.0/32', '"This host on this network"', 'RFC 1122', 'unspecified'),
  range('10.0.0.0/8', 'Private-Use', 'RFC 1918', 'private'),
  range('100.64.0.0/10', 'Shared Address Space', 'RFC 6598', 'CGNAT'),
  range('127.0.0.0/8', 'Loopback', 'RFC 1122', 'loopback'),
  range('169.254.0.0/16', 'Link Local', 'RFC 3927', 'link-local'),
  range('172.16.0.0/12', 'Private-Use', 'RFC 1918', 'private'),
  range('192.0.0.0/24', 'IETF Protocol Assignments', 'RFC 6890', 'reserved'),
  range('192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'RFC 7335', 'reserved'),
  range('192.0.0.8/32', 'IPv4 dummy address', 'RFC 7600', 'reserved'),
  range('192.0.0.9/32', 'Port Control Protocol Anycast', 'RFC 7723', GLOBAL, 'allowed'),
  range('192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', GLOBAL, 'allowed'),
  range('192.0.0.170/32', 'NAT64/DNS64 Discovery', 'RFC 8880', 'reserved'),
  range('192.0.0.171/32', 'NAT64/DNS64 Discovery', 'RFC 8880', 'reserved'),
  range('192.0.2.0/24', 'Documentation (TEST-NET-1)', 'RFC 5737', 'documentation'),
  range('192.31.196.0/24', 'AS112-v4', 'RFC 7535', GLOBAL, 'allowed'),
  range('192.52.193.0/24', 'AMT', 'RFC 7450', GLOBAL, 'allowed'),
  range('192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'RFC 7526', 'deprecated'),
  range('192.168.0.0/16', 'Private-Use', 'RFC 1918', 'private'),
  range('192.175.48.0/24', 'Direct Delegation AS112 Service', 'RFC 7534', GLOBAL, 'allowed'),
  range('198.18.0.0/15', 'Benchmarking', 'RFC 2544', 'benchmarking'),
  range('198.51.100.0/24', 'Documentation (TEST-NET-2)', 'RFC 5737', 'documentation'),
  range('203.0.113.0/24', 'Documentation (TEST-NET-3)', 'RFC 5737', 'documentation'),
  range('240.0.0.0/4', 'Reserved', 'RFC 1112', 'reserved'),
  range('255.255.255.255/32', 'Limited Broadcast', 'RFC 919', 'broadcast'),
  // Not special-purpose, yet never a unicast destination
  range('224.0.0.0/4', 'Multicast', 'RFC 5771 (IANA IPv4 Multicast Address Space)', 'multicast'),
  // Instance metadata services (AWS, GCP, Azure, OpenStack …): credentials live there
  range('169.254.169.254/32', 'Cloud instance metadata', 'cloud providers', 'cloud metadata'),

  // IANA IPv6 Address Space: only 2000::/3 is allocated as global unicast; the rest is reserved
  range('::/0', 'Reserved by IETF (outside global unicast)', 'IANA IPv6 Address Space', 'reserved'),
  range('2000::/3', 'Global Unicast', 'RFC 4291', GLOBAL, 'allowed'),
  // IANA IPv6 Special-Purpose Address Registry
  range('::1/128', 'Loopback Address', 'RFC 4291', 'loopback'),
  range('::/128', 'Unspecified Address', 'RFC 4291', 'unspecified'),
  range('::ffff:0:0/96', 'IPv4-mapped Address', 'RFC 4291', 'IPv4-mapped', 'embedded-ipv4'),
  range('64:ff9b::/96', 'IPv4-IPv6 Translat.', 'RFC 6052', 'NAT64', 'embedded-ipv4'),
  range('64:ff9b:1::/48', 'IPv4-IPv6 Translat.', 'RFC 8215', 'private'),
  range('100::/64', 'Discard-Only Address Block', 'RFC 6666', 'reserved'),
  range('100:0:0:1::/64', 'Dummy IPv6 Prefix', 'RFC 9780', 'reserved'),
  range('2001::/23', 'IETF Protocol Assignments', 'RFC 2928', 'reserved'),
  range('2001::/32', 'TEREDO', 'RFC 4380', 'Teredo'),
  range('2001:1::1/128', 'Port Control Protocol Anycast', 'RFC 7723', GLOBAL, 'allowed'),
  range('2001:1::2/128', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', GLOBAL, 'allowed'),
  range('2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', 'RFC 9665', GLOBAL, 'allowed'),
  range('2001:2::/48', 'Benchmarking', 'RFC 5180', 'benchmarking'),
  range('2001:3::/32', 'AMT', 'RFC 7450', GLOBAL, 'allowed'),
  range('2001:4:112::/48', 'AS112-v6', 'RFC 7535', GLOBAL, 'allowed'),
  range('2001:10::/28', 'Deprecated (previously ORCHID)', 'RFC 4843', 'deprecated'),
  range('2001:20::/28', 'ORCHIDv2', 'RFC 7343', GLOBAL, 'allowed'),
  range('2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', 'RFC 9374', GLOBAL, 'allowed'),
  range('2001:db8::/32', 'Documentation', 'RFC 3849', 'documentation'),
  range('2002::/16', '6to4', 'RFC 3056', '6to4', 'embedded-ipv4'),
  range('2620:4f:8000::/48', 'Direct Delegation AS112 Service', 'RFC 7534', GLOBAL, 'allowed'),
  range('3fff::/20', 'Documentation', 'RFC 9637', 'documentation'),
  range('5f00::/16', 'Segment Routing (SRv6) SIDs', 'RFC 9602', 'reserved'),
  range('fc00::/7', 'Unique-Local', 'RFC 4193', 'unique-local'),
  range('fe80::/10', 'Link-Local Unicast', 'RFC 4291', 'link-local'),
  // Not special-purpose, yet never a destination
  range('::ffff:0:0:0/96', 'IPv4-translated (SIIT)', 'RFC 2765', 'reserved'),
  range('fec0::/10', 'Site-local (deprecated)', 'RFC 3879', 'site-local'),
  range('ff00::/8', 'Multicast', 'RFC 4291', 'multicast'),
  range('fd00:ec2::254/128', 'Cloud instance metadata (AWS)', 'cloud providers', 'cloud metadata'),
]

interface Parsed {
  range: SpecialRange
  bits: 32 | 128
  prefix: number
  network: bigint
}

const PARSED: Parsed[] = SPECIAL_RANGES.map((entry) => {
  const [address, prefix] = entry.block.split('/') as [string, string]
  const bits = isIPv4(address) ? 32 : 128
  return { range: entry, bits, prefix: Number(prefix), network: bits === 32 ? ipv4(address) : ipv6(address) }
})

/** The most specific entry of the table holding `address`; undefined when none does. */
export function specialRangeOf(address: string): SpecialRange | undefined {
  if (isIPv4(address)) return longestMatch(ipv4(address), 32)?.range
  if (isIPv6(address)) return longestMatch(ipv6(address.replace(/%.*$/, '')), 128)?.range
  return undefined
}

/** Why `address` is blocked (e.g. "loopback"), or undefined when it is a public address. */
export function blockedKind(address: string): string | undefined {
  if (isIPv4(address)) return verdictOf(ipv4(address), 32)
  if (isIPv6(address)) return verdictOf(ipv6(address.replace(/%.*$/, '')), 128)
  return 'not an IP address'
}

function verdictOf(value: bigint, bits: 32 | 128): string | undefined {
  const match = longestMatch(value, bits)
  if (match === undefined || match.range.verdict === 'allowed') return undefined
  if (match.range.verdict === 'blocked') return match.range.kind
  // 6to4 carries its IPv4 address in bits 16–47; the others in their last 32 bits.
  const embedded = match.range.block === '2002::/16' ? (value >> 80n) & 0xffffffffn : value & 0xffffffffn
  return verdictOf(embedded, 32)
}

function longestMatch(value: bigint, bits: 32 | 128): Parsed | undefined {
  let best: Parsed | undefined
  for (const entry of PARSED) {
    if (entry.bits !== bits || (best && best.prefix >= entry.prefix)) continue
    const shift = BigInt(bits - entry.prefix)
    if (value >> shift === entry.network >> shift) best = entry
  }
  return best
}

function ipv4(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n)
}

/** The 128 bits of an IPv6 address, with any trailing dotted IPv4 part expanded. */
function ipv6(address: string): bigint {
  let text = address
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const v4 = Number(ipv4(dotted[1]!))
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const parse = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : [])
  const left = parse(head)
  const right = parse(tail)
  const middle = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0)
  return [...left, ...middle, ...right].reduce((acc, word) => (acc << 16n) | BigInt(word), 0n)
}
