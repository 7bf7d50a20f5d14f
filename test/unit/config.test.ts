import { describe, expect, it } from 'vitest'
import { socketAdapterOf, storeDriver } from '../../src/stores/registry.js'
import { allowedOrigins, loadConfig } from '../../src/config.js'
import { startupWarnings } from '../../src/startup-log.js'

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({ API_TOKEN: 't' })).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      NODE_ENV: 'development',
      ALLOWED_ORIGINS: 'http://localhost:3000',
      SOCKET_PATH: '/socket.io',
      LOG_LEVEL: 'info',
      STORE: 'sqlite',
      DATA_DIR: './data',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_PREFIX: 'qsp',
      POSTBACK_MAX_ATTEMPTS: 3,
      POSTBACK_BACKOFF_MS: 1000,
      POSTBACK_TIMEOUT_MS: 30000,
      POSTBACK_CONCURRENCY: 10,
      POSTBACK_RETENTION_MS: 3600000,
      POSTBACK_ALLOW_PRIVATE_NETWORKS: false,
      BODY_LIMIT_BYTES: 1048576,
    })
  })

  it('converts numbers and booleans from their text', () => {
    const config = loadConfig({ API_TOKEN: 't', PORT: '8080', POSTBACK_ALLOW_PRIVATE_NETWORKS: 'true' })
    expect(config.PORT).toBe(8080)
    expect(config.POSTBACK_ALLOW_PRIVATE_NETWORKS).toBe(true)
  })

  it('is frozen', () => {
    expect(Object.isFrozen(loadConfig({ API_TOKEN: 't' }))).toBe(true)
  })

  it('requires API_TOKEN and says how to make one', () => {
    expect(() => loadConfig({})).toThrow(/^API_TOKEN is required.*openssl rand -hex 32/)
    expect(() => loadConfig({ API_TOKEN: '  ' })).toThrow(/API_TOKEN is required/)
  })

  it.each([
    ['PORT', 'abc', /^Invalid PORT=abc: expected an integer/],
    ['PORT', '70000', /PORT.*at most 65535/],
    ['SOCKET_ADAPTER', 'kafka', /^Invalid SOCKET_ADAPTER=kafka: expected one of local, redis$/],
    ['POSTBACK_TIMEOUT_MS', '-5', /POSTBACK_TIMEOUT_MS=-5/],
    ['POSTBACK_CONCURRENCY', '0', /POSTBACK_CONCURRENCY/],
    ['NODE_ENV', 'staging', /NODE_ENV=staging: expected one of development, production, test/],
    ['POSTBACK_ALLOW_PRIVATE_NETWORKS', 'maybe', /true or false/],
    ['SOCKET_PATH', 'socket', /SOCKET_PATH/],
    ['HOST', 'not a host', /^Invalid HOST=not a host: expected an IP address or a hostname$/],
  ])('stops on %s=%s with one line naming it', (key, value, message) => {
    expect(() => loadConfig({ API_TOKEN: 't', [key]: value })).toThrow(message)
  })

  it('leaves the store kinds to the drivers, which refuse an unknown STORE in one line', () => {
    const config = loadConfig({ API_TOKEN: 't', STORE: 'mongo' })
    expect(() => storeDriver(config)).toThrow(/^Invalid STORE=mongo: expected one of sqlite, redis$/)
    expect(socketAdapterOf(loadConfig({ API_TOKEN: 't', STORE: 'redis' }))).toBe('redis')
    expect(socketAdapterOf(loadConfig({ API_TOKEN: 't', STORE: 'redis', SOCKET_ADAPTER: 'local' }))).toBe('local')
    expect(socketAdapterOf(loadConfig({ API_TOKEN: 't' }))).toBe('local')
  })

  it('never repeats a secret in its error', () => {
    expect(() => loadConfig({ API_TOKEN: 't', POSTBACK_SIGNING_SECRET: 'super-secret' })).toThrow(
      /^Invalid POSTBACK_SIGNING_SECRET: expected/,
    )
  })
})

describe('ALLOWED_ORIGINS', () => {
  it('defaults to http://localhost:<PORT>, following PORT', () => {
    expect(loadConfig({ API_TOKEN: 't', PORT: '8080' }).ALLOWED_ORIGINS).toBe('http://localhost:8080')
  })

  it.each([
    ['https://app.example.com/', 'https://app.example.com'],
    ['https://app.example.com/path', 'https://app.example.com'],
    ['http://app.example.com:80', 'http://app.example.com'],
    ['https://App.Example.com', 'https://app.example.com'],
    ['https://user:pw@app.example.com', 'https://app.example.com'],
    ['app.example.com', 'scheme://host[:port], such as https://app.example.com'],
    ['file:///tmp/page.html', 'scheme://host[:port], such as https://app.example.com'],
  ])('refuses %s, naming the entry and what to write instead', (entry, hint) => {
    expect(() => loadConfig({ API_TOKEN: 't', ALLOWED_ORIGINS: `https://ok.example.com,${entry}` })).toThrow(
      `Invalid ALLOWED_ORIGINS entry "${entry}": not an origin; write it as ${hint}`,
    )
  })

  it('accepts * only alone', () => {
    expect(() => loadConfig({ API_TOKEN: 't', ALLOWED_ORIGINS: '*, https://a.com' })).toThrow(
      'Invalid ALLOWED_ORIGINS: * allows every origin and must stand alone',
    )
    expect(loadConfig({ API_TOKEN: 't', ALLOWED_ORIGINS: 'http://localhost:5173, https://app.example.com:8443' })).toBeDefined()
  })
})

describe('POSTBACK_SIGNING_SECRET', () => {
  const GOOD = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const load = (value: string) => loadConfig({ API_TOKEN: 'x'.repeat(32), POSTBACK_SIGNING_SECRET: value })

  it.each([
    ['whsec_a', 'the first secret'],
    ['whsec_=', 'the first secret'],
    ['whsec_QR==', 'the first secret'],
    [`${GOOD} whsec_QUJD=`, 'the second secret'],
    [`whsec_QQ ${GOOD}`, 'the first secret'],
  ])('stops on %s, which does not decode, with one line naming the variable and the secret', (value, which) => {
    expect(() => load(value)).toThrow(
      new RegExp(`^Invalid POSTBACK_SIGNING_SECRET: ${which} does not decode: expected whsec_ followed by standard base64`),
    )
    try {
      load(value)
    } catch (error) {
      expect((error as Error).message).not.toContain(value.split(' ')[which === 'the first secret' ? 0 : 1])
      expect((error as Error).message).not.toContain('\n')
    }
  })

  it('accepts one or two secrets that decode, and warns at start about one under 24 bytes', () => {
    expect(load(GOOD).POSTBACK_SIGNING_SECRET).toBe(GOOD)
    expect(startupWarnings(load(`${GOOD} whsec_QUJD`))).toEqual([
      expect.stringMatching(/^POSTBACK_SIGNING_SECRET: the second secret is 3 bytes long.*at least 24 bytes/),
    ])
    expect(startupWarnings(load(GOOD))).toEqual([])
  })
})

describe('allowedOrigins', () => {
  it('splits the list and allows any origin only for an explicit *', () => {
    expect(allowedOrigins(loadConfig({ API_TOKEN: 't', ALLOWED_ORIGINS: 'https://a.com, https://b.com' }))).toEqual([
      'https://a.com',
      'https://b.com',
    ])
    expect(allowedOrigins(loadConfig({ API_TOKEN: 't', ALLOWED_ORIGINS: '*' }))).toBe(true)
  })
})
