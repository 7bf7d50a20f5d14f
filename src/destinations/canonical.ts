// A destination is an origin: scheme, host and port, lowercase, with the port written out
// (`https://api.example.com:443`). Paths name it URL-encoded; the default port may be left out.
import { ValidationError } from '../errors.js'

export function canonicalDestination(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ValidationError(`destination must be an origin such as https://api.example.com:443 (got ${JSON.stringify(value)})`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError('destination must use http or https')
  if (url.username || url.password) throw new ValidationError('destination must not contain credentials')
  const origin = value.replace(/\/$/, '')
  if (url.pathname !== '/' || url.search || url.hash || /[?#]/.test(origin) || /^https?:\/\/[^/]*\/./i.test(value)) {
    throw new ValidationError('destination must be an origin (scheme, host and port) without a path, query or fragment')
  }
  return destinationOf(url)
}

/** scheme://host:port — the unit receivers are told apart by. */
export function destinationOf(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  return `${url.protocol}//${url.hostname}:${port}`
}
