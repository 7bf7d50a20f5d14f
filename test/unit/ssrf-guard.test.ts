import type { LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { describe, expect, it } from 'vitest'
import { blockedKind } from '../../src/postbacks/delivery/ip-ranges.js'
import { guardedLookup, literalBlockReason } from '../../src/postbacks/delivery/ssrf-guard.js'

describe('blockedKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.10', 'private'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['100.100.100.200', 'CGNAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'cloud metadata'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['fd00:ec2::254', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
  ])('blocks %s as %s', (address, kind) => {
    expect(blockedKind(address)).toBe(kind)
  })

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '203.0.113.7', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    'lets the public address %s through',
    (address) => {
      expect(blockedKind(address)).toBeUndefined()
    },
  )
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
    const lookup = guardedLookup(scripted([{ address: '203.0.113.9', family: 4 }, { address: '2606:4700::1', family: 6 }]))
    expect(await resolve(lookup, false)).toEqual({ error: null, address: '203.0.113.9', family: 4 })
    expect((await resolve(lookup, true)).address).toHaveLength(2)
  })

  it('refuses a host when any of its addresses is blocked', async () => {
    const lookup = guardedLookup(scripted([{ address: '203.0.113.9', family: 4 }, { address: '10.0.0.5', family: 4 }]))
    const { error } = await resolve(lookup, true)
    expect(error).toMatchObject({ code: 'BLOCKED_DESTINATION', permanent: true })
    expect(error.message).toMatch(/rebind\.test resolves to 10\.0\.0\.5, a private address/)
  })

  it('checks every resolution, so an answer that turns private is caught (DNS rebinding)', async () => {
    const lookup = guardedLookup(scripted([{ address: '203.0.113.9', family: 4 }], [{ address: '127.0.0.1', family: 4 }]))
    expect((await resolve(lookup, false)).error).toBeNull()
    expect((await resolve(lookup, false)).error?.code).toBe('BLOCKED_DESTINATION')
  })
})
