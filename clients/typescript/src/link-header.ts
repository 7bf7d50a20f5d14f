// Paging: the list answers with its page as the body and announces the next one in a
// `Link: <…>; rel="next"` header (RFC 8288).

/** The cursor of the page a Link header calls `next`, if it names one. */
export function nextCursor(link: string | null): string | undefined {
  if (!link) return undefined
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (!match) continue
    const relations = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? '')?.[1]?.toLowerCase().split(/\s+/) ?? []
    if (!relations.includes('next')) continue
    // The target is relative to the service; any base will do to read its query.
    return new URL(match[1] ?? '', 'http://service').searchParams.get('cursor') ?? undefined
  }
  return undefined
}
