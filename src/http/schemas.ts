// Schemas shared by several routes.
import Type from 'typebox'
import { codes } from '../errors.js'

const errorProperties = {
  error: Type.String({ description: 'a stable code from the error catalogue', examples: [codes.VALIDATION_ERROR] }),
  message: Type.String({ description: 'what went wrong, for humans' }),
}

/** The one error shape, with what a given status means on a route. */
export const errorSchema = (description: string) =>
  Type.Object(errorProperties, {
    title: 'Error',
    description,
    examples: [{ error: codes.VALIDATION_ERROR, message: "body must have required property 'payload'" }],
  })

/** The error answers every authenticated route can give. */
export const apiErrors = {
  400: errorSchema(
    `Invalid input; the message names the field. Also: malformed JSON (${codes.INVALID_JSON}), JSON nested deeper than 64 ` +
      'levels, a __proto__ or constructor.prototype key',
  ),
  401: errorSchema('Missing or wrong API token'),
  503: errorSchema(`The store cannot be reached (${codes.STORE_UNAVAILABLE}) or the service is shutting down (${codes.SHUTTING_DOWN})`),
}

export const notFound = { 404: errorSchema('No such postback') }
export const conflict = { 409: errorSchema('Not in a state that allows this') }
export const bodyErrors = {
  413: errorSchema('Body larger than BODY_LIMIT_BYTES'),
  415: errorSchema('Body is not JSON'),
}
export const storeFull = { 507: errorSchema(`The disk or memory holding the store is full (${codes.STORE_FULL}); nothing was stored`) }
