// Where the CLI finds the service: QSP_URL and QSP_TOKEN, the names the README and examples use.
import { QspClient } from '../client.js'
import { UsageError } from './failures.js'

export const DEFAULT_URL = 'http://localhost:3000'

export interface Service {
  url: string
  token: string
}

/** `--url` wins over QSP_URL; the token only comes from the environment, never from the command line (shell history, ps). */
export function service(urlOption: string | undefined, env: NodeJS.ProcessEnv = process.env): Service {
  const url = urlOption ?? (env.QSP_URL || DEFAULT_URL)
  if (!/^https?:\/\/[^/]/i.test(url)) throw new UsageError(`the service URL must start with http:// or https:// (got "${url}")`)
  const token = env.QSP_TOKEN
  if (!token) throw new UsageError('set QSP_TOKEN to the service API_TOKEN')
  return { url, token }
}

export const clientFor = (target: Service) => new QspClient(target)
