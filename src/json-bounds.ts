// Bounds on the JSON values clients send (request bodies, socket messages, handshake data): how
// deep they nest, how large they are, and prototype keys. The walk is iterative, so a value nested
// thousands of levels deep is refused here instead of overflowing the stack of whatever encodes
// it next (JSON.stringify, the Socket.IO encoder, msgpack in a cluster).

/** JSON nested deeper than this is refused (SPEC §4.3): an object or array at level 65. */
export const MAX_JSON_DEPTH = 64

export interface JsonBounds {
  maxDepth: number
  /**
   * Refuse values of more than this many bytes. Strings count their UTF-16 length, binary data
   * its bytes; punctuation is not counted, so the figure never exceeds the encoded size.
   */
  maxBytes?: number
  /** Refuse `__proto__` keys and `constructor` objects with a `prototype` key. */
  refusePrototypeKeys?: boolean
}

export interface JsonViolation {
  /** the top-level key or index under which the problem lies; undefined for the value itself */
  field: string | undefined
  problem: 'depth' | 'size' | 'prototype'
}

type Pending = [value: unknown, depth: number, field: string | undefined]

/** The first way `value` breaks `bounds`, or undefined when it keeps them. */
export function findJsonViolation(value: unknown, bounds: JsonBounds): JsonViolation | undefined {
  const maxBytes = bounds.maxBytes ?? Number.POSITIVE_INFINITY
  const stack: Pending[] = [[value, 1, undefined]]
  let bytes = 0
  while (stack.length > 0) {
    const [current, depth, field] = stack.pop()!
    if (typeof current === 'string') bytes += current.length
    else if (ArrayBuffer.isView(current) || current instanceof ArrayBuffer) bytes += current.byteLength
    else if (current !== null && typeof current === 'object') {
      if (depth > bounds.maxDepth) return { field, problem: 'depth' }
      if (Array.isArray(current)) {
        for (let i = 0; i < current.length; i++) stack.push([current[i], depth + 1, field ?? String(i)])
      } else {
        for (const key of Object.keys(current)) {
          const child = (current as Record<string, unknown>)[key]
          if (bounds.refusePrototypeKeys && isPrototypeKey(key, child)) return { field: field ?? key, problem: 'prototype' }
          bytes += key.length
          stack.push([child, depth + 1, field ?? key])
        }
      }
    }
    if (bytes > maxBytes) return { field, problem: 'size' }
  }
  return undefined
}

/** The keys secure-json-parse refuses: either would let a later merge reach Object.prototype. */
function isPrototypeKey(key: string, child: unknown): boolean {
  if (key === '__proto__') return true
  return key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')
}
