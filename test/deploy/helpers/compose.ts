// A docker-compose project of the repository's compose files, on free ports, removed with its volumes.
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TOKEN } from '../../helpers/app.js'
import { freePort } from '../../helpers/ports.js'
import { IMAGE, ROOT, must, run, uniqueName, type RunOptions } from './docker.js'

export interface ComposeProject {
  name: string
  /** The variables the compose file was read with. */
  env: Record<string, string>
  /** Runs `docker-compose <args>` for this project; throws on a non-zero exit. */
  compose(args: string[], options?: RunOptions): Promise<string>
  /** The container of `service`. */
  container(service: string): Promise<string>
  /** Stops and removes the containers and volumes. */
  down(): Promise<void>
}

/**
 * `file` with the image under test, the test token and `env` on top; the only variables the file
 * sees are these (an empty --env-file keeps a developer's .env out).
 */
export async function composeProject(file: string, env: Record<string, string>): Promise<ComposeProject> {
  const name = uniqueName('compose')
  const envFile = join(tmpdir(), `${name}.env`)
  await writeFile(envFile, '')
  const variables = { QSP_IMAGE: IMAGE, API_TOKEN: TOKEN, POSTBACK_ALLOW_PRIVATE_NETWORKS: 'true', ...env }
  const processEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...variables }
  const base = ['--file', join(ROOT, file), '--project-name', name, '--env-file', envFile]
  const compose = (args: string[], options: RunOptions = {}) =>
    must('docker-compose', [...base, ...args], { timeoutMs: 180_000, ...options, env: processEnv })
  return {
    name,
    env: variables,
    compose,
    async container(service) {
      const id = (await compose(['ps', '--quiet', service])).trim()
      if (!id) throw new Error(`no container for ${service} in ${name}`)
      return id
    },
    async down() {
      await run('docker-compose', [...base, 'down', '--volumes', '--remove-orphans', '--timeout', '30'], {
        env: processEnv,
        timeoutMs: 180_000,
      })
      await rm(envFile, { force: true })
    },
  }
}

/** Free ports for docker-compose.yml's Redis, two instances and nginx. */
export async function clusterPorts() {
  const ports = new Set<number>()
  while (ports.size < 4) ports.add(await freePort())
  const [redis, a, b, nginx] = [...ports]
  return { QSP_REDIS_PORT: String(redis), QSP_PORT_A: String(a), QSP_PORT_B: String(b), QSP_PORT: String(nginx) }
}
