// The published form: `npm pack` gives a tarball that installs on its own, imports with its types,
// and whose `qsp` runs through npx against a real service.
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, startApp, tempDir } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { startReceiver } from '../helpers/receiver.js'

const run = promisify(execFile)
const WORKSPACE = fileURLToPath(new URL('../../clients/typescript/', import.meta.url))
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url))
const TYPE_ROOTS = fileURLToPath(new URL('../../node_modules/@types', import.meta.url))
const CLIENTS_PAGE = new URL('../../docs/clients.md', import.meta.url)
const { own } = cleanupAfterEach()

let consumer: string
let packed: string[]

beforeAll(async () => {
  consumer = await tempDir('qsp-consumer-')
  // `npm test` has just built dist/ (pretest); packing without the prepack build keeps dist/ from
  // being rewritten while other test files import it.
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', consumer], { cwd: WORKSPACE })
  const [tarball] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
  packed = tarball!.files.map((file) => file.path)
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  await run('npm', ['install', join(consumer, tarball!.filename), '--no-audit', '--no-fund', '--prefer-offline'], { cwd: consumer })
}, 180_000)

afterAll(() => rm(consumer, { recursive: true, force: true }))

describe('the packed client', () => {
  it('ships the built code, its declarations, the CLI and the OpenAPI document, and no sources', () => {
    for (const file of ['package.json', 'README.md', 'openapi.json', 'bin/qsp.js', 'dist/index.js', 'dist/index.d.ts', 'dist/schema.d.ts', 'dist/cli/main.js']) {
      expect(packed).toContain(file)
    }
    expect(packed.filter((file) => !/^(dist|bin)\/|^(package\.json|README\.md|openapi\.json)$/.test(file))).toEqual([])
  })

  it('imports from a project of its own and talks to the service', async () => {
    const receiver = own(await startReceiver())
    const app = own(await startApp())
    await writeFile(
      join(consumer, 'use.mjs'),
      `import { QspClient, verifyWebhook, connectRealtime } from '@queue-socket-provider/client'
       const qsp = new QspClient({ url: process.env.QSP_URL, token: process.env.QSP_TOKEN })
       const { queueId } = await qsp.queue({ postbackUrl: process.argv[2], payload: { from: 'tarball' } })
       const realtime = await connectRealtime({ url: process.env.QSP_URL, token: process.env.QSP_TOKEN })
       realtime.close()
       console.log(queueId, typeof verifyWebhook)`,
    )
    const env = { PATH: process.env.PATH ?? '', QSP_URL: app.url, QSP_TOKEN: TOKEN }
    const used = await run(process.execPath, ['use.mjs', receiver.url()], { cwd: consumer, env })
    const [queueId, verify] = used.stdout.trim().split(' ')
    expect(verify).toBe('function')
    const [request] = await receiver.waitForRequests(1)
    expect(request!.headers['webhook-id']).toBe(queueId)

    const stats = await run('npx', ['--no-install', 'qsp', 'stats', '--json'], { cwd: consumer, env })
    expect(JSON.parse(stats.stdout)).toMatchObject({ total: 1 })
  })

  it('type-checks a TypeScript user, and the example of docs/clients.md, against the generated types', async () => {
    await writeFile(
      join(consumer, 'use.ts'),
      `import { QspClient, QspError, type QueueRequest } from '@queue-socket-provider/client'
       const qsp = new QspClient({ url: 'http://localhost:3000', token: 'token' })
       const request: QueueRequest = { postbackUrl: 'https://example.com/', payload: {}, method: 'PUT', delayMs: 10 }
       // @ts-expect-error DELETE is not a method a postback may use
       const wrong: QueueRequest = { postbackUrl: 'https://example.com/', payload: {}, method: 'DELETE' }
       export async function use(): Promise<string> {
         for await (const postback of qsp.listAll({ status: 'failed' })) return postback.status
         const error: QspError = new QspError(404, 'NOT_FOUND', 'gone')
         return (await qsp.queue(request)).queueId + String(wrong) + error.error
       }`,
    )
    // The docs' example too, as a user would paste it.
    const clients = await readFile(CLIENTS_PAGE, 'utf8')
    await writeFile(join(consumer, 'readme.ts'), `${/```ts\n([\s\S]*?)```/.exec(clients)![1]}\nexport {}\n`)
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022']
    await run(process.execPath, [TSC, ...args, '--typeRoots', TYPE_ROOTS, '--types', 'node', 'use.ts', 'readme.ts'], { cwd: consumer })
  })
})
