// A schema migration (database.ts): destinations an earlier version stored under a host with a
// trailing dot (`https://a.com.:443`) become the dotless one they name, with their postbacks and
// settings (src/destinations/merge.ts says which win). It works on the columns the file has, so it
// stays right whatever later migrations add.
import type Database from 'better-sqlite3'
import { canonicalStored } from '../../destinations/canonical.js'
import { mergeStoredDestinations, type StoredFields } from '../../destinations/merge.js'

export function mergeTrailingDotDestinations(db: Database.Database): void {
  const names = db.prepare(`SELECT destination FROM destinations UNION SELECT DISTINCT destination FROM postbacks`).pluck().all() as string[]
  const rowOf = db.prepare(`SELECT * FROM destinations WHERE destination = ?`)
  const remove = db.prepare(`DELETE FROM destinations WHERE destination = ?`)
  // Their order_seq places, from one counter, keep every ordering key's line in order once merged.
  const move = db.prepare(`UPDATE postbacks SET destination = @to WHERE destination = @from`)
  for (const from of names) {
    const to = canonicalStored(from)
    if (to === from) continue
    move.run({ from, to })
    const old = rowOf.get(from) as StoredFields | undefined
    if (!old) continue
    const kept = rowOf.get(to) as StoredFields | undefined
    const row = { ...(kept ? mergeStoredDestinations(kept, old) : old), destination: to }
    remove.run(from)
    remove.run(to)
    const columns = Object.keys(row)
    db.prepare(`INSERT INTO destinations (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`).run(row)
  }
}
