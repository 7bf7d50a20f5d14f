// Which IP addresses a postback must never reach unless private networks are allowed:
// loopback, private, link-local, CGNAT, unique-local, cloud metadata, multicast and reserved.
import { isIPv4, isIPv6 } from 'node:net'

type Range = [first: number, prefix: number, kind: string]

const IPV4_BLOCKED: Range[] = [
  [ipv4('0.0.0.0'), 8, 'unspecified'],
  [ipv4('10.0.0.0'), 8, 'private'],
  [ipv4('100.64.0.0'), 10, 'CGNAT'],
  [ipv4('127.0.0.0'), 8, 'loopback'],
  [ipv4('169.254.169.254'), 32, 'cloud metadata'],
  [ipv4('169.254.0.0'), 16, 'link-local'],
  [ipv4('172.16.0.0'), 12, 'private'],
  [ipv4('192.0.0.0'), 24, 'reserved'],
  [ipv4('192.168.0.0'), 16, 'private'],
  [ipv4('198.18.0.0'), 15, 'reserved'],
  [ipv4('224.0.0.0'), 4, 'multicast'],
  [ipv4('240.0.0.0'), 4, 'reserved'],
]

/** The first 16 bits of an IPv6 address, for the ranges that need no more. */
const IPV6_BLOCKED_BY_PREFIX: [mask: number, value: number, kind: string][] = [
  [0xfe00, 0xfc00, 'unique-local'], // fc00::/7
  [0xffc0, 0xfe80, 'link-local'], // fe80::/10
  [0xffc0, 0xfec0, 'site-local'], // fec0::/10
  [0xff00, 0xff00, 'multicast'], // ff00::/8
]

/** Why `address` is blocked (e.g. "loopback"), or undefined when it is a public address. */
export function blockedKind(address: string): string | undefined {
  if (isIPv4(address)) return ipv4Kind(ipv4(address))
  if (isIPv6(address)) return ipv6Kind(ipv6Words(address.replace(/%.*$/, '')))
  return 'not an IP address'
}

function ipv4Kind(value: number): string | undefined {
  for (const [first, prefix, kind] of IPV4_BLOCKED) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0
    if (((value & mask) >>> 0) === first) return kind
  }
  return undefined
}

function ipv6Kind(w: number[]): string | undefined {
  const zeroUpTo = (n: number) => w.slice(0, n).every((x) => x === 0)
  const embedded = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0
  if (zeroUpTo(8)) return 'unspecified'
  if (zeroUpTo(7) && w[7] === 1) return 'loopback'
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) carry an IPv4 address.
  if (zeroUpTo(5) && (w[5] === 0xffff || w[5] === 0)) return ipv4Kind(embedded(w[6]!, w[7]!))
  // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits; 64:ff9b:1::/48 is local use.
  if (w[0] === 0x64 && w[1] === 0xff9b) {
    if (w.slice(2, 6).every((x) => x === 0)) return ipv4Kind(embedded(w[6]!, w[7]!))
    if (w[2] === 1) return 'private'
  }
  // 6to4 (2002::/16) carries an IPv4 address in bits 16–47.
  if (w[0] === 0x2002) return ipv4Kind(embedded(w[1]!, w[2]!))
  if (w[0] === 0x100 && zeroUpTo(4)) return 'reserved' // 100::/64, discard-only
  for (const [mask, value, kind] of IPV6_BLOCKED_BY_PREFIX) {
    if ((w[0]! & mask) === value) return kind
  }
  return undefined
}

function ipv4(address: string): number {
  return address.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0)
}

/** The eight 16-bit words of an IPv6 address, with any trailing dotted IPv4 part expanded. */
function ipv6Words(address: string): number[] {
  let text = address
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const v4 = ipv4(dotted[1]!)
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const parse = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : [])
  const left = parse(head)
  const right = parse(tail)
  const middle = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0)
  return [...left, ...middle, ...right]
}
