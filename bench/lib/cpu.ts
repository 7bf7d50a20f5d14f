// CPU time of a process, from /proc/<pid>/stat (user + system), for CPU cost per delivery.
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

/** Clock ticks per second of /proc's counters (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100

/** CPU milliseconds `pid` has used so far. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name is in parentheses and may contain spaces: fields are counted after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) / TICKS_PER_SECOND) * 1000
}

/** The pid of the redis-server answering at `url`, when it runs on this machine. */
export function redisServerPid(url: string): number | undefined {
  try {
    const info = execFileSync('redis-cli', ['-u', url, 'info', 'server'], { encoding: 'utf8' })
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1])
    return Number.isFinite(pid) && readFileSync(`/proc/${pid}/stat`, 'utf8') ? pid : undefined
  } catch {
    return undefined
  }
}
