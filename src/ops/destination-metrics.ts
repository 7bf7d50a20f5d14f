// Destination metrics (SPEC §7): how many destinations are paused or quarantined and which,
// probes of quarantined ones, operations events and callbacks queued.
import { Counter, Gauge, type Registry } from 'prom-client'
import { DESTINATION_STATES, type DestinationEvent, type DestinationState } from '../destinations/types.js'
import { oncePerScrape } from './scrape.js'

export interface DestinationSource {
  /** Rejects while the store is unreachable. */
  states(): Promise<{ destination: string; state: DestinationState }[]>
}

export function createDestinationMetrics(registry: Registry) {
  const registers = [registry]
  const probes = new Counter({ name: 'qsp_destination_probes_total', help: 'Probe attempts of quarantined destinations', registers })
  const events = new Counter({
    name: 'qsp_destination_events_total',
    help: 'Destinations quarantined, recovered, paused and resumed',
    labelNames: ['event'],
    registers,
  })
  const callbacks = new Counter({
    name: 'qsp_callbacks_queued_total',
    help: 'Callbacks (callbackUrl, failureCallbackUrl) queued as postbacks',
    registers,
  })

  function watch(source: DestinationSource): void {
    const states = oncePerScrape(() => source.states())
    new Gauge({
      name: 'qsp_destinations',
      help: 'Destinations known, by state',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset()
        const known = await states()
        if (!known) return
        for (const state of DESTINATION_STATES) this.set({ state }, known.filter((d) => d.state === state).length)
      },
    })
    new Gauge({
      name: 'qsp_destination_held',
      help: '1 for each destination that is paused or quarantined',
      labelNames: ['destination', 'state'],
      registers,
      async collect() {
        this.reset()
        for (const { destination, state } of (await states()) ?? []) {
          if (state !== 'active') this.set({ destination, state }, 1)
        }
      },
    })
  }

  return {
    probed: () => probes.inc(),
    callbackQueued: () => callbacks.inc(),
    destinationEvent: (event: DestinationEvent) => events.inc({ event: event.event }),
    watch,
  }
}
