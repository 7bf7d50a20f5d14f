// What the realtime tests look at: unique names, presence events a socket got, occupancy
// webhooks a backend got.
import type { Receiver } from './receiver.js'

export const unique = (name: string) => `${name}-${Math.random().toString(36).slice(2)}`

/** The presence.joined / presence.left events among those recorded on a socket. */
export const presenceEvents = (events: { name: string; payload: any }[]) => events.filter((e) => e.name.startsWith('presence.'))

/** The occupancy webhooks the backend got for `channel`, in order of arrival, with their webhook-id as `id`. */
export const occupancyOf = (backend: Receiver, channel: string) =>
  backend.requests
    .map((r) => ({ ...JSON.parse(r.body), id: r.headers['webhook-id'] }))
    .filter((b) => typeof b.event === 'string' && b.event.startsWith('channel.') && b.channel === channel)
