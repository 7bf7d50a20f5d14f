// Reads for Prometheus gauges: several gauges of one scrape share one store call, and a store
// that cannot answer leaves its gauges out instead of failing the scrape.

/** `read` at most once while a scrape is under way; undefined when it fails. */
export function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T | undefined> {
  let pending: Promise<T | undefined> | undefined
  return () =>
    (pending ??= read()
      .catch(() => undefined)
      .finally(() => (pending = undefined)))
}
