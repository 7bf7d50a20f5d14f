import type { LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { describe, expect, it } from 'vitest'
import { SPECIAL_RANGES, blockedKind, specialRangeOf } from '../../src/postbacks/delivery/ip-ranges.js'
import { guardedLookup, literalBlockReason } from '../../src/postbacks/delivery/ssrf-guard.js'

/**
 * One address inside every entry of the table (and a few outside all), with the verdict expected:
 * the kind it is refused as, or undefined when it may be reached.
 */
const CASES: [address: string, kind: string | undefined][] = [
  // IPv4 Special-Purpose Address Registry
  ['0.1.2.3', 'unspecified'],
  ['0.0.0.0', 'unspecified'],
  ['10.1.2.3', 'private'],
  ['100.64.0.1', 'CGNAT'],
  ['100.100.100.200', 'CGNAT'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.1.1', 'link-local'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.0.0.100', 'reserved'],
  ['192.0.0.1', 'reserved'],
  ['192.0.0.8', 'reserved'],
  ['192.0.0.9', undefined],
  ['192.0.0.10', undefined],
  ['192.0.0.170', 'reserved'],
  ['192.0.0.171', 'reserved'],
  ['192.0.2.1', 'documentation'],
  ['192.31.196.1', undefined],
  ['192.52.193.1', undefined],
  ['192.88.99.1', 'deprecated'],
  ['192.168.0.10', 'private'],
  ['192.175.48.1', undefined],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.7', 'documentation'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['169.254.169.254', 'cloud metadata'],
  // IPv6: outside global unicast, and the IPv6 Special-Purpose Address Registry
  ['::2', 'reserved'],
  ['::127.0.0.1', 'reserved'],
  ['4000::1', 'reserved'],
  ['2606:4700:4700::1111', undefined],
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:a9fe:a9fe', 'cloud metadata'],
  ['::ffff:8.8.8.8', undefined],
  ['64:ff9b::10.0.0.1', 'private'],
  ['64:ff9b::808:808', undefined],
  ['64:ff9b:1::1', 'private'],
  ['100::1', 'reserved'],
  ['100:0:0:1::1', 'reserved'],
  ['2001:100::1', 'reserved'],
  ['2001::1', 'Teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:1::1', undefined],
  ['2001:1::2', undefined],
  ['2001:1::3', undefined],
  ['2001:2::1', 'benchmarking'],
  ['2001:3::1', undefined],
  ['2001:4:112::1', undefined],
  ['2001:10::1', 'deprecated'],
  ['2001:20::1', undefined],
  ['2001:30::1', undefined],
  ['2001:db8::1', 'documentation'],
  ['2002:c0a8:0101::1', 'private'],
  ['2002:0808:0808::1', undefined],
  ['2620:4f:8000::1', undefined],
  ['3fff::1', 'documentation'],
  ['5f00::1', 'reserved'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['fe80::1%eth0', 'link-local'],
  ['fec0::1', 'site-local'],
  ['ff02::1', 'multicast'],
  ['fd00:ec2::254', 'cloud metadata'],
  ['::ffff:0:7f00:1', 'reserved'],
  ['::ffff:0:808:808', 'reserved'],
  // Public addresses
  ['8.8.8.8', undefined],
  ['1.1.1.1', undefined],
  ['172.32.0.1', undefined],
  ['100.128.0.1', undefined],
  ['192.0.1.1', undefined],
  ['198.20.0.1', undefined],
]

describe('blockedKind', () => {
  it.each(CASES)('judges %s as %s', (address, kind) => {
    expect(blockedKind(address)).toBe(kind)
  })

  it('is checked above on at least one address of every entry of the table', () => {
    const covered = new Set(CASES.map(([address]) => specialRangeOf(address)))
    const missing = SPECIAL_RANGES.filter((range) => !covered.has(range)).map((range) => range.block)
    expect(missing).toEqual([])
  })

  it('names every entry and where it comes from', () => {
    for (const range of SPECIAL_RANGES) {
      expect(range.name, range.block).not.toBe('')
      expect(range.source, range.block).not.toBe('')
    }
  })
})

describe('literalBlockReason', () => {
  it.each([
    'http://localhost/',
    'http://LOCALHOST./x',
    'http://api.localhost/',
    'http://127.0.0.1:8080/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://192.0.2.1/',
    'http://198.51.100.1/',
    'http://203.0.113.1/',
    'http://192.88.99.1/',
    'http://[::ffff:0:127.0.0.1]/',
    'http://[2001:db8::1]/',
    'http://metadata.google.internal/',
  ])('refuses %s before any lookup', (url) => {
    expect(literalBlockReason(new URL(url))).toMatch(/POSTBACK_ALLOW_PRIVATE_NETWORKS=true/)
  })

  it('says what kind of address it is', () => {
    expect(literalBlockReason(new URL('http://10.0.0.1/'))).toMatch(/^10\.0\.0\.1 is a private address;/)
    expect(literalBlockReason(new URL('http://0.0.0.0/'))).toMatch(/^0\.0\.0\.0 is an unspecified address;/)
    expect(literalBlockReason(new URL('http://[fd00::1]/'))).toMatch(/^fd00::1 is a unique-local address;/)
  })

  it('leaves hostnames to the resolver', () => {
    expect(literalBlockReason(new URL('https://example.com/'))).toBeUndefined()
    expect(literalBlockReason(new URL('https://8.8.8.8/'))).toBeUndefined()
  })
})

/** A resolver answering from a script: each call takes the next answer. */
function scripted(...answers: LookupAddress[][]): LookupFunction & { calls: number } {
  const lookup = ((_hostname: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) => {
    const answer = answers[Math.min(lookup.calls, answers.length - 1)]!
    lookup.calls++
    callback(null, answer)
  }) as unknown as LookupFunction & { calls: number }
  lookup.calls = 0
  return lookup
}

const resolve = (lookup: LookupFunction, all: boolean) =>
  new Promise<{ error: any; address: unknown; family?: number }>((done) =>
    lookup('rebind.test', { all }, (error, address, family) => done({ error, address, family })),
  )

describe('guardedLookup', () => {
  it('passes public answers through, one address or all', async () => {
    const lookup = guardedLookup(scripted([{ address: '93.184.215.14', family: 4 }, { address: '2606:4700::1', family: 6 }]))
    expect(await resolve(lookup, false)).toEqual({ error: null, address: '93.184.215.14', family: 4 })
    expect((await resolve(lookup, true)).address).toHaveLength(2)
  })

  it('refuses a host when any of its addresses is blocked', async () => {
    const lookup = guardedLookup(scripted([{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.5', family: 4 }]))
    const { error } = await resolve(lookup, true)
    expect(error).toMatchObject({ code: 'BLOCKED_DESTINATION', permanent: true })
    expect(error.message).toMatch(/rebind\.test resolves to 10\.0\.0\.5, a private address/)
  })

  it('checks every resolution, so an answer that turns private is caught (DNS rebinding)', async () => {
    const lookup = guardedLookup(scripted([{ address: '93.184.215.14', family: 4 }], [{ address: '127.0.0.1', family: 4 }]))
    expect((await resolve(lookup, false)).error).toBeNull()
    expect((await resolve(lookup, false)).error?.code).toBe('BLOCKED_DESTINATION')
  })
})
