// The pieces every realtime schema is made of: channel and user names, lists of them, and the
// `info` a presence member carries.
import Type from 'typebox'
import { NAME_MAX_LENGTH, NAME_PATTERN } from '../handshake.js'
import { MAX_TARGETS } from '../rooms.js'

/** A channel or userId: the same rule as the socket handshake, so whatever is accepted here can connect. */
export const Name = (description: string) =>
  Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: NAME_PATTERN, description })

/** 1 to 100 names; repeats count once. */
export const Names = (item: string, description: string) =>
  Type.Array(Name(item), { minItems: 1, maxItems: MAX_TARGETS, description })

/** The most bytes of JSON a socket's `info` may take (SPEC §9). */
export const INFO_MAX_BYTES = 1024

export const InfoSchema = Type.Record(Type.String(), Type.Unknown(), {
  description: `what a presence channel's other members see about this user: a JSON object of at most ${INFO_MAX_BYTES} bytes`,
  examples: [{ name: 'Ana', avatar: 'https://example.com/ana.png' }],
})
