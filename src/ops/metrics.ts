// Prometheus metrics, in a registry of the app's own (two apps in one process never share one).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { DestinationStats } from '../postbacks/destination-window.js'
import type { PostbackObserver } from '../postbacks/service.js'
import type { PostbackStatus } from '../postbacks/types.js'
import type { DispatchObserver } from '../realtime/realtime.js'
import { createDestinationMetrics } from './destination-metrics.js'
import { oncePerScrape } from './scrape.js'

/** What the metrics read at scrape time. */
export interface MetricSources {
  /** Rejects while the store is unreachable. */
  queueCounts(): Promise<Record<PostbackStatus, number>>
  /** What is wrong with the store now (as /health lists it). */
  problems(): Promise<{ code: string }[]>
  deliveriesInFlight(): number
  /** Rejects while the store is unreachable. */
  destinations(): Promise<DestinationStats[]>
  socketsConnected(): number
}

export type Metrics = ReturnType<typeof createMetrics>

export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const enqueued = new Counter({ name: 'qsp_postbacks_enqueued_total', help: 'Postbacks queued', registers })
  const delivered = new Counter({ name: 'qsp_postbacks_delivered_total', help: 'Postbacks that reached completed', registers })
  const failed = new Counter({ name: 'qsp_postbacks_failed_total', help: 'Postbacks that reached failed', registers })
  const attempts = new Histogram({
    name: 'qsp_postback_attempt_duration_seconds',
    help: 'Duration of delivery attempts, by what the attempt decided (completed, retry, failed)',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  })
  const destinationMetrics = createDestinationMetrics(registry)
  const dispatches = new Counter({ name: 'qsp_dispatches_total', help: 'Events dispatched to sockets', registers })
  const dispatchedSockets = new Counter({
    name: 'qsp_dispatched_sockets_total',
    help: 'Sockets reached by dispatches (a dispatch to 5 sockets adds 5)',
    registers,
  })

  const postbackObserver: PostbackObserver = {
    enqueued: () => enqueued.inc(),
    attempted: (durationMs, outcome, delivery) => {
      attempts.observe({ outcome: outcome.kind }, durationMs / 1000)
      if (delivery.probe) destinationMetrics.probed()
    },
    ended: (status) => (status === 'completed' ? delivered : failed).inc(),
    callbackQueued: () => destinationMetrics.callbackQueued(),
  }
  const dispatchObserver: DispatchObserver = {
    dispatched: (sockets) => {
      dispatches.inc()
      dispatchedSockets.inc(sockets)
    },
  }

  /**
   * Gauges read their sources when scraped. An unreachable store does not fail the scrape: the
   * queue depth is left out and qsp_store_up says 0, so the outage itself can be alerted on.
   */
  function watch(sources: MetricSources): void {
    const queueCounts = oncePerScrape(() => sources.queueCounts())
    const destinations = oncePerScrape(() => sources.destinations())
    new Gauge({
      name: 'qsp_store_problem',
      help: '1 for each problem of the store now (STORE_UNAVAILABLE, STORE_FULL, REDIS_DATA_LOST), as /health lists them',
      labelNames: ['code'],
      registers,
      async collect() {
        this.reset()
        for (const { code } of await sources.problems().catch(() => [])) this.set({ code }, 1)
      },
    })
    new Gauge({
      name: 'qsp_store_up',
      help: '1 when the store answered this scrape, else 0',
      registers,
      async collect() {
        this.set((await queueCounts()) === undefined ? 0 : 1)
      },
    })
    new Gauge({
      name: 'qsp_postbacks',
      help: 'Postbacks in the store, by status',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset()
        for (const [status, count] of Object.entries((await queueCounts()) ?? {})) this.set({ status }, count)
      },
    })
    new Gauge({
      name: 'qsp_postback_deliveries_in_flight',
      help: 'Delivery attempts under way on this instance',
      registers,
      collect() {
        this.set(sources.deliveriesInFlight())
      },
    })
    const perDestination = (name: string, help: string, pick: (d: DestinationStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['destination'],
        registers,
        async collect() {
          this.reset()
          for (const destination of (await destinations()) ?? []) this.set({ destination: destination.destination }, pick(destination))
        },
      })
    perDestination('qsp_destination_deliveries_in_flight', 'Attempts in flight per busy destination', (d) => d.inFlight)
    perDestination('qsp_destination_limit', 'Current fair-delivery limit per busy destination', (d) => d.limit)
    perDestination('qsp_destination_failure_ratio', 'Failed share of the last 20 attempts per busy destination', (d) => d.failureRate)
    new Gauge({
      name: 'qsp_sockets_connected',
      help: 'Sockets connected to this instance',
      registers,
      collect() {
        this.set(sources.socketsConnected())
      },
    })
  }

  return { registry, postbackObserver, dispatchObserver, destinations: destinationMetrics, watch }
}
