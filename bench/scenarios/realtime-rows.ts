// The realtime group of `npm run bench`: its rows, each with the baseline measured in the same run.
import { higherIsBetter, lowerIsBetter, type Row } from '../lib/report.js'
import { durableRate, manyChannelsFanOut, replayTime, type RealtimeSizes } from './realtime.js'

export type { RealtimeSizes }

export async function realtimeRows(sizes: RealtimeSizes, redisUp: boolean, step: (name: string) => void): Promise<Row[]> {
  const rows: Row[] = []
  const perChannel = sizes.channelSockets / 100
  step(`fan-out to 100 channels of ${perChannel} sockets`)
  const ours = await manyChannelsFanOut('ours', sizes)
  const bare = await manyChannelsFanOut('bare', sizes)
  const name = `fan-out to 100 channels × ${perChannel} sockets`
  rows.push(lowerIsBetter(`${name}, one dispatch with channels[100] (p50)`, 'ms', ours.one, bare.one, 'bare Socket.IO io.to(100 rooms)', 1.5))
  rows.push(lowerIsBetter(`${name}: channels[100] against a loop of 100 single dispatches (p50)`, 'ms', ours.one, ours.loop, 'loop of 100 dispatches', 0.5))

  step('durable-inbox dispatch rate')
  const sqlite = await durableRate(sizes)
  rows.push(higherIsBetter('durable-inbox dispatch rate (50 connections, one offline user)', 'req/s', sqlite.durable, sqlite.plain, 'plain dispatch', 0.5))
  step(`connect-time replay of ${sizes.replayed} stored messages`)
  const replay = await replayTime(sizes)
  rows.push(lowerIsBetter(`connect-time replay of ${sizes.replayed} stored messages (p50)`, 'ms', replay.ours, replay.bare, `bare Socket.IO sending ${sizes.replayed} from memory`, 2))

  if (redisUp) {
    step('STORE=redis durable inbox')
    const redis = await durableRate(sizes, { STORE: 'redis' })
    rows.push(higherIsBetter('STORE=redis durable-inbox dispatch rate', 'req/s', redis.durable, redis.plain, 'plain dispatch, STORE=redis', 0.5))
    const redisReplay = await replayTime(sizes, { STORE: 'redis' })
    rows.push(lowerIsBetter(`STORE=redis connect-time replay of ${sizes.replayed} stored messages (p50)`, 'ms', redisReplay.ours, redisReplay.bare, 'bare Socket.IO', 2))
  }
  return rows
}
