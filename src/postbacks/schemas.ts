// What a caller may send to queue a postback. Rules a JSON schema cannot say (URL scheme,
// header syntax, server limits) are checked by the service.
import Type, { type Static } from 'typebox'
import { HTTP_METHODS } from './types.js'

export const EnqueueBodySchema = Type.Object(
  {
    postbackUrl: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'absolute http or https URL that receives the postback',
      examples: ['https://example.com/webhook'],
    }),
    payload: Type.Object({}, { additionalProperties: true, description: 'the JSON object to deliver' }),
    method: Type.Optional(Type.Enum(HTTP_METHODS, { description: 'HTTP method, POST by default' })),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 8192 }), {
        maxProperties: 64,
        description: 'extra request headers sent with every attempt',
      }),
    ),
  },
  { title: 'EnqueuePostback' },
)
export type EnqueueBody = Static<typeof EnqueueBodySchema>
