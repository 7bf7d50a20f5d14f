// Opens each store driver the way the service does (through the registry), for the contract tests.
import { rm } from 'node:fs/promises'
import { loadConfig, type Config } from '../../src/config.js'
import { openStores, type Stores } from '../../src/stores/registry.js'
import { newPostback } from '../../src/postbacks/new-postback.js'
import type { EnqueueBody } from '../../src/postbacks/schemas.js'
import type { NewPostback } from '../../src/postbacks/types.js'
import { tempDir, testEnv } from '../helpers/app.js'
import { REDIS_URL, deleteKeys, uniquePrefix, type StoreKind } from '../helpers/redis.js'

/** Where a store keeps its data: a directory or a key prefix of its own. */
export interface Location {
  env: Record<string, string>
  remove(): Promise<void>
}

export async function newLocation(kind: StoreKind): Promise<Location> {
  if (kind === 'sqlite') {
    const dir = await tempDir('qsp-store-')
    return { env: { STORE: kind, DATA_DIR: dir }, remove: () => rm(dir, { recursive: true, force: true }) }
  }
  const prefix = uniquePrefix()
  return { env: { STORE: kind, REDIS_URL, REDIS_PREFIX: prefix }, remove: () => deleteKeys(prefix) }
}

export const configAt = (location: Location, env: Record<string, string> = {}): Config =>
  loadConfig(testEnv({ ...location.env, ...env }))

const quiet = { warn: () => undefined, error: () => undefined }

export const openStoresAt = (location: Location, env: Record<string, string> = {}): Promise<Stores> =>
  openStores(configAt(location, env), quiet)

const RULES = { maxAttempts: 3, timeoutMs: 2000, maxAttemptsLimit: 25, timeoutLimitMs: 120_000, blockPrivateNetworks: false }

/** A new postback as the service would make it from this request. */
export function postback(input: Partial<EnqueueBody> & { at?: number; idempotencyKey?: string } = {}): NewPostback {
  const { at = Date.now(), ...body } = input
  return newPostback({ postbackUrl: 'http://receiver.test/hook', payload: { n: 1 }, ...body }, undefined, RULES, at)
}
