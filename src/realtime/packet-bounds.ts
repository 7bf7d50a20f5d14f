// Every value a socket client sends is bounded before any listener sees it: the echo, the relay,
// the lifecycle webhook and, in a cluster, the adapter all encode it again, and encoding a value
// nested thousands of levels deep overflows the stack outside any try/catch, killing the process.
import { codes } from '../errors.js'
import { MAX_JSON_DEPTH, findJsonViolation } from '../json-bounds.js'
import { shownName, type EventGate } from './event-answers.js'
import { ConnectionRefused, type Handshake } from './handshake.js'

/**
 * Refuses events whose arguments nest deeper than MAX_JSON_DEPTH or, binary attachments included,
 * hold more than maxBytes; the client gets an `error` event (and its ack, if any, an `{ok: false}`).
 */
export function payloadBounds(maxBytes: number): EventGate {
  return (name, args) => {
    // The argument list is one level above the arguments themselves.
    const violation = findJsonViolation(args, { maxDepth: MAX_JSON_DEPTH + 1, maxBytes })
    if (violation === undefined) return undefined
    const event = shownName(name)
    const message =
      violation.problem === 'depth'
        ? `argument ${Number(violation.field) + 1} of ${event} is nested deeper than ${MAX_JSON_DEPTH} levels`
        : `${event} carries more than ${maxBytes} bytes`
    return { error: codes.VALIDATION_ERROR, message, tell: true }
  }
}

/** Why a connection whose handshake `auth` nests deeper than MAX_JSON_DEPTH is refused. */
export function handshakeRefusal(handshake: Pick<Handshake, 'auth'>): ConnectionRefused | undefined {
  if (findJsonViolation(handshake.auth, { maxDepth: MAX_JSON_DEPTH }) === undefined) return undefined
  return new ConnectionRefused(codes.VALIDATION_ERROR, `auth is nested deeper than ${MAX_JSON_DEPTH} levels`)
}
