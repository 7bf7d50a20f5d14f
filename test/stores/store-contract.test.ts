// Every store driver against the one store contract: postbacks (contract.ts) and destinations
// (destinations-contract.ts).
import { describe } from 'vitest'
import { storesUnderTest } from '../helpers/redis.js'
import { storeContract } from './contract.js'
import { destinationsContract } from './destinations-contract.js'

describe.each(await storesUnderTest())('the %s store', (kind) => {
  storeContract(kind)
  describe('destinations', () => destinationsContract(kind))
})
