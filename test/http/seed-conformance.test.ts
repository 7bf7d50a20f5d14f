// The original service's README (test/fixtures/seed-README.pt-BR.md, a verbatim copy of the seed
// contract) replayed against the real service: every JSON body and every curl example in it is
// sent unchanged, and each answer has the shape the README shows for its endpoint.
import { readFile } from 'node:fs/promises'
import type { LookupFunction } from 'node:net'
import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { storesUnderTest } from '../helpers/redis.js'
import { nextEvent } from '../helpers/sockets.js'

const { own, defer } = cleanupAfterEach()

const SEED = new URL('../fixtures/seed-README.pt-BR.md', import.meta.url)
/** The README's placeholders for a queueId the service answered. */
const EXAMPLE_IDS = ['1705123456789-abc123def', 'QUEUE_ID']
/** The statuses the README lists. */
const SEED_STATUSES = ['pending', 'processing', 'completed', 'failed']

/** The README's receivers are on the internet: no DNS here, so their deliveries fail at once. */
const noDns: LookupFunction = ((_host: string, _options: unknown, callback: (error: Error) => void) =>
  callback(Object.assign(new Error('no DNS in tests'), { code: 'ENOTFOUND' }))) as LookupFunction

interface SeedRequest {
  method: string
  path: string
  body?: string
  /** where in the README it is */
  from: string
}

interface SeedReadme {
  requests: SeedRequest[]
  /** The answer the README shows for each endpoint (`POST /api/queue/postback`). */
  answers: Map<string, unknown>
}

/** The words of each curl command in a script, with line continuations and quoting undone. */
function curlCommands(script: string): string[][] {
  const words = [...script.replace(/\\\n/g, ' ').matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!)
  const commands: string[][] = []
  for (const word of words) {
    if (word === 'curl') commands.push([])
    else commands.at(-1)?.push(word)
  }
  return commands
}

function curlRequests(script: string, from: string): SeedRequest[] {
  return curlCommands(script).map((words) => {
    const option = (name: string) => words[words.indexOf(name) + 1]
    const url = new URL(words.find((word) => word.startsWith('http'))!)
    const body = words.includes('-d') ? option('-d') : undefined
    return { method: words.includes('-X') ? option('-X')! : body ? 'POST' : 'GET', path: url.pathname, ...(body ? { body } : {}), from }
  })
}

async function readSeed(): Promise<SeedReadme> {
  const text = await readFile(SEED, 'utf8')
  const requests: SeedRequest[] = []
  const answers = new Map<string, unknown>()
  let endpoint: { method: string; path: string } | undefined
  let label = ''
  for (const block of text.split(/^```/m).map((part, index) => ({ part, code: index % 2 === 1 }))) {
    if (!block.code) {
      for (const match of block.part.matchAll(/\*\*Endpoint:\*\* `(\w+) (\S+)`/g)) endpoint = { method: match[1]!, path: match[2]! }
      label = block.part.trim().split('\n').at(-1) ?? ''
      continue
    }
    const [language, ...lines] = block.part.split('\n')
    const content = lines.join('\n')
    const from = `${label} (${endpoint?.method} ${endpoint?.path})`
    if (language === 'bash' && content.includes('curl ')) requests.push(...curlRequests(content, from))
    if (language !== 'json' || endpoint === undefined) continue
    if (label.startsWith('**Body')) requests.push({ ...endpoint, body: content, from })
    if (label.startsWith('**Resposta')) answers.set(`${endpoint.method} ${endpoint.path}`, JSON.parse(content))
  }
  return { requests, answers }
}

/**
 * The answer the README shows for a concrete request (`:id` and `:channel` stand for one segment).
 * The list it shows none for is an array of what one postback's status answer shows.
 */
function expectedAnswer(answers: Map<string, unknown>, method: string, path: string): Record<string, unknown> | unknown[] | undefined {
  if (method === 'GET' && path === '/api/queue/postback') return [answers.get('GET /api/queue/postback/:id')]
  const endpoint = [...answers.keys()].find((key) => {
    const [keyMethod, keyPath] = key.split(' ') as [string, string]
    return keyMethod === method && new RegExp(`^${keyPath.replace(/:\w+/g, '[^/]+')}$`).test(path)
  })
  return endpoint === undefined ? undefined : (answers.get(endpoint) as Record<string, unknown>)
}

/** `actual` has every field `expected` shows, of the same JSON type, arrays item by item. */
function expectShape(actual: unknown, expected: unknown, where: string): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), where).toBe(true)
    for (const item of actual as unknown[]) expectShape(item, expected[0], `${where}[]`)
    return
  }
  if (typeof expected === 'object' && expected !== null) {
    expect(typeof actual === 'object' && actual !== null, where).toBe(true)
    for (const [key, value] of Object.entries(expected)) expectShape((actual as Record<string, unknown>)[key], value, `${where}.${key}`)
    return
  }
  expect(typeof actual, where).toBe(typeof expected)
}

describe('the seed README', () => {
  it('finds every body and curl example of the README', async () => {
    const { requests, answers } = await readSeed()
    const count = (method: string, path: string) => requests.filter((r) => r.method === method && r.path === path).length
    expect(count('POST', '/api/queue/postback')).toBe(3)
    expect(count('POST', '/api/socket/dispatch')).toBe(4)
    expect(requests.filter((r) => r.method === 'GET')).toHaveLength(4)
    expect([...answers.keys()]).toEqual([
      'POST /api/queue/postback',
      'GET /api/queue/postback/:id',
      'POST /api/socket/dispatch',
      'GET /api/socket/sockets/stats',
      'GET /api/socket/sockets/channel/:channel/stats',
    ])
  })
})

describe.each(await storesUnderTest())('the seed README on the %s store', (store) => {
  it('answers every request of the README, unchanged, with the shape the README shows', async () => {
    const { requests, answers } = await readSeed()
    const app = own(await startApp({ STORE: store, POSTBACK_MAX_ATTEMPTS: '1' }, { lookup: noDns }))
    // Connected as the README's client example does, so that dispatches and stats have someone.
    const socket = io(app.url, {
      path: '/socket.io',
      auth: { token: TOKEN },
      query: { channel: 'my-channel', userId: 'user-123' },
      forceNew: true,
      reconnection: false,
    })
    defer(() => socket.close())
    await nextEvent(socket, 'connected')

    let queueId: string | undefined
    const statsPaths = ['/api/socket/sockets/stats', '/api/socket/sockets/channel/my-channel/stats']
    const replays: SeedRequest[] = [...requests, ...statsPaths.map((path) => ({ method: 'GET', path, from: path }))]
    for (const request of replays) {
      const path = EXAMPLE_IDS.reduce((p, id) => (queueId ? p.replace(id, queueId) : p), request.path)
      // With the README's headers: the token (ours) and, with a body, Content-Type: application/json.
      const response = await app.api(path, { method: request.method, ...(request.body === undefined ? {} : { body: request.body }) })
      const where = `${request.method} ${path} from ${request.from}`
      expect(response.status, where).toBe(200)
      const expected = expectedAnswer(answers, request.method, path)
      if (expected === undefined) continue
      expectShape(response.body, expected, where)
      for (const postback of [response.body].flat()) {
        if (postback.status !== undefined) expect(SEED_STATUSES, where).toContain(postback.status)
      }
      if (request.method === 'POST' && !Array.isArray(expected)) {
        // The seed's answers, exactly: nothing added, the same literals.
        expect(Object.keys(response.body).sort(), where).toEqual(Object.keys(expected).sort())
        expect(response.body.success, where).toBe(expected.success)
        expect(response.body.message, where).toBe(expected.message)
      }
      queueId = response.body.queueId ?? queueId
    }
  })
})
