// A destination as the API shows it, and what may be set on it (SPEC §7).
import Type, { type Static } from 'typebox'

export const DESTINATION_STATES = ['active', 'paused', 'quarantined'] as const
export type DestinationState = (typeof DESTINATION_STATES)[number]

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

export const SettingsSchema = Type.Object(
  {
    maxConcurrency: nullable(Type.Integer({ minimum: 1, maximum: 10_000, description: 'attempts in flight at once, cluster-wide' })),
    ratePerSecond: nullable(Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: 'attempts started per second, cluster-wide' })),
    timeoutMs: nullable(Type.Integer({ minimum: 1, maximum: 3_600_000, description: 'per-attempt timeout, unless a postback gives its own' })),
  },
  { additionalProperties: false },
)
export type DestinationSettings = Static<typeof SettingsSchema>

export const NO_SETTINGS: DestinationSettings = { maxConcurrency: null, ratePerSecond: null, timeoutMs: null }

export const SettingsPatchSchema = Type.Partial(SettingsSchema, {
  title: 'DestinationSettings',
  description: 'The settings to change; null clears one (back to the server default).',
  examples: [{ maxConcurrency: 2, ratePerSecond: 5 }, { timeoutMs: null }],
})
export type SettingsPatch = Static<typeof SettingsPatchSchema>

export const DestinationSchema = Type.Object(
  {
    destination: Type.String({ description: 'scheme://host:port', examples: ['https://api.example.com:443'] }),
    state: Type.Enum(DESTINATION_STATES),
    stateSince: nullable(Type.String({ format: 'date-time', description: 'when it entered this state' })),
    inFlight: Type.Integer({ minimum: 0, description: 'attempts under way, cluster-wide' }),
    limit: Type.Integer({ minimum: 0, description: 'attempts it may have in flight now' }),
    failureRate: Type.Number({ minimum: 0, maximum: 1, description: 'share of its last 20 attempts that failed' }),
    pending: Type.Integer({ minimum: 0, description: 'postbacks waiting for an attempt' }),
    lastAttemptAt: nullable(Type.String({ format: 'date-time' })),
    lastError: nullable(Type.String()),
    settings: SettingsSchema,
    signing: Type.Object({
      rotating: Type.Boolean({ description: 'deliveries carry two signatures (new first) during the rotation grace' }),
      rotatedAt: nullable(Type.String({ format: 'date-time' })),
    }),
  },
  {
    title: 'Destination',
    examples: [
      {
        destination: 'https://api.example.com:443',
        state: 'quarantined',
        stateSince: '2024-01-15T10:31:00.000Z',
        inFlight: 0,
        limit: 1,
        failureRate: 1,
        pending: 42,
        lastAttemptAt: '2024-01-15T10:35:30.000Z',
        lastError: 'HTTP 503 Service Unavailable',
        settings: { maxConcurrency: null, ratePerSecond: 5, timeoutMs: null },
        signing: { rotating: false, rotatedAt: null },
      },
    ],
  },
)
export type DestinationView = Static<typeof DestinationSchema>

export const SecretSchema = Type.Object(
  { secret: Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]+$', description: 'a Standard Webhooks secret' }) },
  { title: 'SigningSecret', examples: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }] },
)

/** An operations event about a destination (OPS_WEBHOOK_URL and the `$ops` channel). */
export interface DestinationEvent {
  event: 'destination.quarantined' | 'destination.recovered' | 'destination.paused' | 'destination.resumed'
  destination: string
  reason: string
  at: number
}
