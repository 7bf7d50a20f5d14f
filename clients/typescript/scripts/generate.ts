// Regenerates openapi.json (the service's own OpenAPI document, taken from the routes without
// listening anywhere) and src/schema.ts (its TypeScript types). Run after changing any route:
//   npm run generate -w clients/typescript
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript'
import { buildApp } from '../../../src/app.js'
import { loadConfig } from '../../../src/config.js'

export const DOCUMENT_FILE = new URL('../openapi.json', import.meta.url)
export const SCHEMA_FILE = new URL('../src/schema.ts', import.meta.url)

const BANNER =
  '// Generated from openapi.json by `npm run generate -w clients/typescript`. Do not edit by hand.\n' +
  '/* eslint-disable */\n'

/** The document GET /docs/json serves, as the text checked in beside the client. */
export async function openApiDocument(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'qsp-openapi-'))
  const app = await buildApp(loadConfig({ API_TOKEN: 'openapi', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { logger: false })
  try {
    await app.ready()
    return `${JSON.stringify(app.swagger(), null, 2)}\n`
  } finally {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** The TypeScript types of a document, as the text checked in as src/schema.ts. */
export async function schemaTypes(document: string): Promise<string> {
  const ast = await openapiTS(asCallerSees(JSON.parse(document) as OpenAPI3))
  return BANNER + astToString(ast)
}

type Json = { [key: string]: unknown }
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The server fills in defaults before validating, so a request field or parameter with a default
 * may be left out even though the document lists it as required (TypeBox marks it so). The types
 * follow what a caller may send.
 */
function asCallerSees(document: OpenAPI3): OpenAPI3 {
  const copy = structuredClone(document) as unknown as Json
  for (const pathItem of Object.values(isObject(copy.paths) ? copy.paths : {})) {
    for (const operation of Object.values(isObject(pathItem) ? pathItem : {})) {
      if (!isObject(operation)) continue
      for (const parameter of Array.isArray(operation.parameters) ? operation.parameters : []) {
        if (isObject(parameter) && isObject(parameter.schema) && 'default' in parameter.schema) parameter.required = false
      }
      const body = isObject(operation.requestBody) ? operation.requestBody.content : undefined
      for (const media of Object.values(isObject(body) ? body : {})) {
        if (isObject(media)) defaultsOptional(media.schema)
      }
    }
  }
  return copy as unknown as OpenAPI3
}

function defaultsOptional(schema: unknown): void {
  if (!isObject(schema)) return
  const properties: Record<string, unknown> = isObject(schema.properties) ? schema.properties : {}
  if (Array.isArray(schema.required)) {
    schema.required = schema.required.filter((name: string) => {
      const property = properties[name]
      return !(isObject(property) && 'default' in property)
    })
  }
  for (const child of Object.values(properties)) defaultsOptional(child)
  if (isObject(schema.items)) defaultsOptional(schema.items)
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[key]
    if (Array.isArray(options)) options.forEach(defaultsOptional)
  }
}

async function main(): Promise<void> {
  const document = await openApiDocument()
  await writeFile(DOCUMENT_FILE, document)
  await writeFile(SCHEMA_FILE, await schemaTypes(document))
  console.log(`wrote ${DOCUMENT_FILE.pathname} and ${SCHEMA_FILE.pathname}`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
