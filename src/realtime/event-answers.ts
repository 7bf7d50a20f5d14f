// The one rule for the events a client sends: every event that carries an ack gets exactly one
// answer, whatever becomes of it. Gates run first, on every event (rate, size and depth): a
// refusal drops the event and answers `{ok: false, error, message}`; so does an event no handler
// takes. A handler's answer, or its failure as `{ok: false, error, message}`, answers the rest.
// Client events reach handlers only through here, so no refusal leaves an `emitWithAck` waiting.
import { codes } from '../errors.js'
import type { ClientAnswers } from './events.js'
import { refusalOf, type Refusal } from './refusal.js'
import type { IoSocket } from './socket-server.js'

/** How many characters of a refused event's name a message repeats. */
const NAME_SHOWN = 100

type Ack = (answer: unknown) => void

/** What a gate refuses an event with; `tell` also sends the client an `error` event. */
export interface GateRefusal extends Refusal {
  tell: boolean
}

/** A check every client event passes before any handler sees it. */
export type EventGate = (name: unknown, args: unknown[]) => GateRefusal | undefined

export type ClientEvent = keyof ClientAnswers

export interface EventAnswers {
  /** Handles `event`: its ack, if any, gets what `handle` resolves to, or why it rejected. */
  on<E extends ClientEvent>(event: E, handle: (args: unknown[]) => Promise<ClientAnswers[E]>): void
}

/** An event's name as a refusal quotes it. */
export const shownName = (name: unknown) => JSON.stringify(String(name).slice(0, NAME_SHOWN))

/** Splits an event's arguments from its ack: the last argument, when that is a function. */
function withoutAck(args: unknown[]): [unknown[], Ack | undefined] {
  const last = args.at(-1)
  return typeof last === 'function' ? [args.slice(0, -1), last as Ack] : [args, undefined]
}

/** Passes each of the socket's events through `gates`, in order, then to the handler of its name. */
export function answerEvents(socket: IoSocket, gates: EventGate[]): EventAnswers {
  const handled = new Set<string>()
  const unknown: EventGate = (name) => {
    if (typeof name === 'string' && handled.has(name)) return undefined
    const known = [...handled]
    const message = `no event ${shownName(name)} here: a client may send ${known.slice(0, -1).join(', ')} and ${known.at(-1)}`
    // Said only to an ack: a client may send events meant for a later version of the server.
    return { error: codes.UNKNOWN_EVENT, message, tell: false }
  }

  socket.use((packet, next) => {
    const [name, ...rest] = packet as unknown[]
    const [args, ack] = withoutAck(rest)
    for (const gate of [...gates, unknown]) {
      const refused = gate(name, args)
      if (refused === undefined) continue
      const { tell, ...refusal } = refused
      if (tell) socket.emit('error', refusal)
      ack?.({ ok: false, ...refusal })
      return
    }
    next()
  })

  const listening = socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }
  return {
    on(event, handle) {
      handled.add(event)
      listening.on(event, (...received) => {
        const [args, ack] = withoutAck(received)
        const reply = (answer: unknown) => ack?.(answer)
        handle(args).then(reply, (error: unknown) => reply({ ok: false, ...refusalOf(error) }))
      })
    },
  }
}
