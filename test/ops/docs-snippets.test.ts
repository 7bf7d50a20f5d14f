// Every ```bash example of the README and docs/*.md runs, in page order, against a real service
// (one per page) with QSP_URL and QSP_TOKEN set, and exits 0; where the page shows a command's
// answer, the service's answer has the keys and literal values shown. Example hosts
// (https://example.com/…, https://partner.example …) are a loopback receiver here, and an id the
// page shows in an answer stands, in its later examples, for the id the service gave. A block
// that cannot run here (it starts a server, installs, needs Docker) is marked
// `<!-- not run: reason -->` and counted.
import { execFile } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { TOKEN, startApp } from '../helpers/app.js'
import { cleanupAfterEach } from '../helpers/cleanup.js'
import { SHELL_LANGUAGES, compare, fences, idsGiven, shellBlocks, toReceiver, type ShellBlock } from '../helpers/doc-snippets.js'
import { startReceiver } from '../helpers/receiver.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)]
/** Per block, at most; curl itself gives up on a request after 20 s. */
const BLOCK_TIMEOUT_MS = 45_000
const QSP = join(ROOT, 'clients/typescript/bin/qsp.js')
const { own, defer } = cleanupAfterEach()

/**
 * What runs before each block: curl keeps its last answer (for the answers the page shows) and
 * never waits long; `npx qsp` runs the workspace's qsp without npm's start-up.
 */
const PRELUDE = String.raw`curl() { command curl -sS --connect-timeout 5 --max-time 20 "$@" | tee "$QSP_SNIPPET_DIR/last"; return "$PIPESTATUS"; }
__qsp_answer() { cp "$QSP_SNIPPET_DIR/last" "$QSP_SNIPPET_DIR/answer-$1"; }
npx() { if [ "$1" = qsp ]; then shift; node "$QSP_SNIPPET_QSP" "$@"; else command npx "$@"; fi; }
`

/** The block as a script: the page's example hosts and ids replaced, answers kept. */
function script(block: ShellBlock, origin: string, ids: Map<string, string>): string {
  const lines = block.lines.map((line) => [...ids].reduce((text, [shown, given]) => text.split(shown).join(given), toReceiver(line, origin)))
  for (const [n, answer] of [...block.answers.entries()].reverse()) lines.splice(answer.after + 1, 0, `__qsp_answer ${n}`)
  return `${PRELUDE}${lines.join('\n')}\n`
}

function run(file: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-e', file], { cwd: ROOT, env, timeout: BLOCK_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, output: `${stdout}${stderr}` })
    })
  })
}

/** An answer as curl printed it: the body, after the headers when `-i` asked for them. */
function body(printed: string): unknown {
  const text = printed.startsWith('HTTP/') ? printed.slice(printed.indexOf('\r\n\r\n') + 4) : printed
  return JSON.parse(text)
}

async function runPage(page: string, blocks: ShellBlock[]): Promise<void> {
  if (blocks.length === 0) return
  const receiver = own(await startReceiver(() => ({ status: 200, body: 'ok' })))
  const service = own(await startApp({ POSTBACK_ALLOW_PRIVATE_NETWORKS: 'true' }))
  const dir = await mkdtemp(join(tmpdir(), 'qsp-snippets-'))
  defer(() => rm(dir, { recursive: true, force: true }))
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, QSP_URL: service.url, QSP_TOKEN: TOKEN, QSP_SNIPPET_QSP: QSP }
  const origin = new URL(receiver.url()).origin
  const ids = new Map<string, string>()
  for (const block of blocks) {
    // A directory per block, so that no answer of an earlier block can pass for one of this block.
    const blockDir = await mkdtemp(join(dir, 'block-'))
    const file = join(blockDir, 'block.sh')
    await writeFile(file, script(block, origin, ids))
    const { code, output } = await run(file, { ...env, QSP_SNIPPET_DIR: blockDir })
    expect(code, `${page}:${block.line} exited ${code}:\n${output}`).toBe(0)
    for (const [n, answer] of block.answers.entries()) {
      const printed = await readFile(join(blockDir, `answer-${n}`), 'utf8')
      let actual: unknown
      expect(() => (actual = body(printed)), `${page}:${answer.line}: the answer is not JSON:\n${printed}`).not.toThrow()
      expect(compare(answer.shown, actual), `${page}:${answer.line} shows an answer the service does not give:\n${printed}`).toEqual([])
      for (const [shown, given] of idsGiven(answer.shown, actual)) ids.set(shown, given)
    }
  }
}

describe('the shell examples of the README and docs/', { timeout: 180_000 }, () => {
  it('are all bash blocks, and each one marked not run says why', () => {
    for (const page of PAGES) {
      const text = readFileSync(join(ROOT, page), 'utf8')
      const shells = fences(text).filter((fence) => SHELL_LANGUAGES.includes(fence.lang))
      expect(shells.map((fence) => `${page}:${fence.line} is \`\`\`${fence.lang}`)).toEqual([])
      const unexplained = shellBlocks(text).filter((block) => block.notRun === '')
      expect(unexplained.map((block) => `${page}:${block.line}`)).toEqual([])
      expect(text).not.toMatch(/<!--\s*not run\s*-->/)
    }
  })

  for (const page of PAGES) {
    const blocks = shellBlocks(readFileSync(join(ROOT, page), 'utf8'))
    const runnable = blocks.filter((block) => block.notRun === undefined)
    const notRun = blocks.filter((block) => block.notRun !== undefined)
    it(`${page}: runs its ${runnable.length} shell examples against a service (${notRun.length} marked not run)`, async () => {
      console.info(
        `${page}: ${runnable.length} run, ${notRun.length} not run${notRun.map((b) => `\n  line ${b.line}: ${b.notRun}`).join('')}`,
      )
      await runPage(page, runnable)
    })
  }
})
