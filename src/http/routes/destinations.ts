// /api/destinations: the receivers postbacks go to, their settings, pause and signing secrets.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { DestinationSchema, SecretSchema, SettingsPatchSchema } from '../../destinations/types.js'
import { noBodyAsEmptyObject } from '../json-body.js'
import { apiErrors, errorSchema } from '../schemas.js'

const Params = Type.Object({
  destination: Type.String({
    minLength: 1,
    maxLength: 1024,
    description: 'the destination, URL-encoded: https%3A%2F%2Fapi.example.com%3A443 (the default port may be left out)',
  }),
})
const notFound = { 404: errorSchema('No such destination') }
const tags = ['destinations']

const destinationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/destinations',
    {
      schema: {
        summary: 'List destinations, busiest first',
        description: 'Every destination with postbacks pending or in flight, seen within the retention window, or with settings.',
        tags,
        response: { 200: Type.Array(DestinationSchema), ...apiErrors },
      },
    },
    async () => app.destinations.list(),
  )

  app.get(
    '/destinations/:destination',
    {
      schema: { summary: 'Get one destination', tags, params: Params, response: { 200: DestinationSchema, ...apiErrors, ...notFound } },
    },
    async (request) => app.destinations.get(request.params.destination),
  )

  app.patch(
    '/destinations/:destination',
    {
      schema: {
        summary: 'Change a destination’s settings',
        description: 'maxConcurrency, ratePerSecond and timeoutMs; null clears one. A destination never seen before is created.',
        tags,
        params: Params,
        body: SettingsPatchSchema,
        response: { 200: DestinationSchema, ...apiErrors },
      },
    },
    async (request) => app.destinations.configure(request.params.destination, request.body),
  )

  for (const change of ['pause', 'resume'] as const) {
    app.post(
      `/destinations/:destination/${change}`,
      {
        schema: {
          summary: change === 'pause' ? 'Pause a destination: no attempts, its postbacks wait' : 'Resume a paused destination',
          tags,
          params: Params,
          response: { 200: DestinationSchema, ...apiErrors },
        },
      },
      async (request) => app.destinations[change](request.params.destination),
    )
  }

  app.post(
    '/destinations/:destination/secret',
    {
      schema: {
        summary: 'Give a destination a signing secret of its own',
        description:
          'Made here unless `secret` is given. For SIGNING_ROTATION_GRACE_MS, deliveries carry the new and the old signature.',
        tags,
        params: Params,
        body: Type.Partial(SecretSchema, { additionalProperties: false }),
        response: { 200: SecretSchema, ...apiErrors },
      },
      // No body asks for a new secret.
      preValidation: noBodyAsEmptyObject,
    },
    async (request) => app.destinations.rotateSecret(request.params.destination, request.body.secret),
  )

  app.get(
    '/destinations/:destination/secret',
    {
      schema: { summary: 'Read a destination’s own secret', tags, params: Params, response: { 200: SecretSchema, ...apiErrors, ...notFound } },
    },
    async (request) => app.destinations.secret(request.params.destination),
  )

  app.delete(
    '/destinations/:destination/secret',
    {
      schema: {
        summary: 'Go back to POSTBACK_SIGNING_SECRET',
        description: 'The secret it had is still signed with for SIGNING_ROTATION_GRACE_MS.',
        tags,
        params: Params,
        response: { 200: DestinationSchema, ...apiErrors, ...notFound },
      },
    },
    async (request) => app.destinations.deleteSecret(request.params.destination),
  )
}

export default destinationRoutes
