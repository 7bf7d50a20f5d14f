// Keeps postbacks away from the service's own network. Literal addresses and local names are
// refused before anything is sent; hostnames are checked on every address they resolve to, in
// the resolver the connection itself uses, so a DNS answer that changes cannot slip through.
import { lookup as systemLookup, type LookupAddress } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import { codes } from '../../errors.js'
import { blockedKind } from './ip-ranges.js'

const HINT = 'set POSTBACK_ALLOW_PRIVATE_NETWORKS=true to allow it'

export class BlockedDestinationError extends Error {
  override name = 'BlockedDestinationError'
  readonly code = codes.BLOCKED_DESTINATION
  /** Waiting never unblocks a destination: no retries. */
  readonly permanent = true
}

const LOCAL_NAMES = /^(localhost|.+\.localhost|metadata\.google\.internal)\.?$/i

/** Why the URL's host is refused without resolving it, or undefined. */
export function literalBlockReason(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (LOCAL_NAMES.test(host)) return `${host} is a local name; ${HINT}`
  if (isIP(host) === 0) return undefined
  const kind = blockedKind(host)
  return kind === undefined ? undefined : `${host} is ${anAddress(kind)}; ${HINT}`
}

/** "a loopback address", "an unspecified address" */
const anAddress = (kind: string) => `${/^(un[^i]|[aeio])/i.test(kind) ? 'an' : 'a'} ${kind} address`

/** A resolver for net.connect that refuses hosts with any blocked address. */
export function guardedLookup(resolve: LookupFunction = systemLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '')
      const list = addresses as LookupAddress[]
      for (const { address } of list) {
        const kind = blockedKind(address)
        if (kind !== undefined) {
          return callback(new BlockedDestinationError(`${hostname} resolves to ${address}, ${anAddress(kind)}; ${HINT}`), '')
        }
      }
      const [first] = list
      if (options.all) callback(null, list)
      else if (first) callback(null, first.address, first.family)
      else callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '')
    })
  }
}
