// Every value a socket client sends is bounded before any listener sees it: the echo, the relay,
// the lifecycle webhook and, in a cluster, the adapter all encode it again, and encoding a value
// nested thousands of levels deep overflows the stack outside any try/catch, killing the process.
import { codes } from '../errors.js'
import { MAX_JSON_DEPTH, findJsonViolation } from '../json-bounds.js'
import { ConnectionRefused, type Handshake } from './handshake.js'
import type { IoSocket } from './socket-server.js'

/** How many characters of a refused event's name the error repeats. */
const NAME_SHOWN = 100

/**
 * Drops events whose arguments nest deeper than MAX_JSON_DEPTH or, binary attachments included,
 * hold more than maxBytes; the client gets an `error` event (and its ack, if any, an `{ok: false}`).
 */
export function boundIncomingEvents(socket: IoSocket, maxBytes: number): void {
  socket.use((packet, next) => {
    const [name, ...rest] = packet as unknown[]
    const ack = typeof rest.at(-1) === 'function' ? (rest.pop() as (answer: unknown) => void) : undefined
    // The argument list is one level above the arguments themselves.
    const violation = findJsonViolation(rest, { maxDepth: MAX_JSON_DEPTH + 1, maxBytes })
    if (violation === undefined) return next()
    const event = JSON.stringify(String(name).slice(0, NAME_SHOWN))
    const message =
      violation.problem === 'depth'
        ? `argument ${Number(violation.field) + 1} of ${event} is nested deeper than ${MAX_JSON_DEPTH} levels`
        : `${event} carries more than ${maxBytes} bytes`
    const refusal = { error: codes.VALIDATION_ERROR, message }
    socket.emit('error', refusal)
    ack?.({ ok: false, ...refusal })
  })
}

/** Why a connection whose handshake `auth` nests deeper than MAX_JSON_DEPTH is refused. */
export function handshakeRefusal(handshake: Pick<Handshake, 'auth'>): ConnectionRefused | undefined {
  if (findJsonViolation(handshake.auth, { maxDepth: MAX_JSON_DEPTH }) === undefined) return undefined
  return new ConnectionRefused(codes.VALIDATION_ERROR, `auth is nested deeper than ${MAX_JSON_DEPTH} levels`)
}
