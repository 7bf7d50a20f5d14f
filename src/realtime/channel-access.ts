// Which channels a socket may be in: a client token only those it lists, and never `$ops`, the
// operations channel (SPEC §7), which carries every postback's end and is for backends alone.

export const OPS_CHANNEL = '$ops'

export interface ChannelScope {
  tokenKind: 'api' | 'client'
  /** the channels a client token lists; undefined: any */
  allowedChannels?: string[] | undefined
}

/** Why `scope` may not use `channel`; undefined when it may. */
export function channelRefusal(scope: ChannelScope, channel: string): string | undefined {
  if (scope.tokenKind === 'api') return undefined
  if (channel === OPS_CHANNEL) return `channel "${OPS_CHANNEL}" is reserved for the API token`
  const allowed = scope.allowedChannels
  return allowed && !allowed.includes(channel) ? `channel "${channel}" is not one this token allows` : undefined
}
