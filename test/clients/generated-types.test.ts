// The client's OpenAPI document and types are the routes' own: regenerated here, they must equal
// the checked-in files. When a route changes, run `npm run generate -w clients/typescript`.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { DOCUMENT_FILE, SCHEMA_FILE, openApiDocument, schemaTypes } from '../../clients/typescript/scripts/generate.js'

const REGENERATE = 'out of date: run `npm run generate -w clients/typescript` and commit the result'

describe('the client’s generated files', () => {
  it('hold the OpenAPI document the routes give today', async () => {
    expect(await readFile(DOCUMENT_FILE, 'utf8'), `clients/typescript/openapi.json is ${REGENERATE}`).toBe(await openApiDocument())
  })

  it('hold the types of that document', async () => {
    const document = await readFile(DOCUMENT_FILE, 'utf8')
    expect(await readFile(SCHEMA_FILE, 'utf8'), `clients/typescript/src/schema.ts is ${REGENERATE}`).toBe(await schemaTypes(document))
  })
})
