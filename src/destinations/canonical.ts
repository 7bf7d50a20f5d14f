// A destination is an origin: scheme, host and port, lowercase, with the port written out
// (`https://api.example.com:443`). Paths name it URL-encoded; the default port may be left out.
// A host's trailing dot (the fully qualified `api.example.com.`) names the same host and is left
// out; postbacks still go to their URL as it was queued.
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
  const host = url.hostname.length > 1 ? url.hostname.replace(/\.$/, '') : url.hostname
  return `${url.protocol}//${host}:${port}`
}

/** A destination as an earlier version may have stored it, in today's form (unchanged when it is not a URL). */
export function canonicalStored(destination: string): string {
  try {
    return destinationOf(new URL(destination))
  } catch {
    return destination
  }
}
