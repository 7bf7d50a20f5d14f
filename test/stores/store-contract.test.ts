// Every store driver against the one PostbackStore contract (contract.ts).
import { describe } from 'vitest'
import { storesUnderTest } from '../helpers/redis.js'
import { storeContract } from './contract.js'

describe.each(await storesUnderTest())('the %s store', (kind) => {
  storeContract(kind)
})
