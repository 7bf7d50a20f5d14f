// What a failed call throws: the service's answer ({error, message} and the HTTP status), or the
// reason the service could not be reached at all.

/** The service answered with an error status. */
export class QspError extends Error {
  override readonly name = 'QspError'

  constructor(
    /** the HTTP status */
    readonly status: number,
    /** the service's stable UPPER_SNAKE code, e.g. `NOT_FOUND` (`HTTP_<status>` when the answer was not ours) */
    readonly error: string,
    message: string,
  ) {
    super(message)
  }

  /** From a failed answer and its body, as parsed by the HTTP client (JSON or text). */
  static fromResponse(response: Response, body: unknown): QspError {
    if (isErrorShape(body)) return new QspError(response.status, body.error, body.message)
    // A proxy or load balancer in front of the service answers in its own words.
    const text = typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 200) : response.statusText
    return new QspError(response.status, `HTTP_${response.status}`, text || `HTTP ${response.status}`)
  }
}

/** No answer: the address is wrong, the service is down, or the network failed. */
export class QspConnectionError extends Error {
  override readonly name = 'QspConnectionError'

  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach ${url}: ${reason(cause)}`, { cause })
  }
}

function isErrorShape(body: unknown): body is { error: string; message: string } {
  if (typeof body !== 'object' || body === null) return false
  const { error, message } = body as Record<string, unknown>
  return typeof error === 'string' && typeof message === 'string'
}

/** fetch fails with "fetch failed"; the system's reason (ECONNREFUSED, ENOTFOUND) is in its cause. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message
  return error.message
}

/** The socket server refused the connection: a missing or wrong token, or a channel out of the token's scope. */
export class QspRefusedError extends Error {
  override readonly name = 'QspRefusedError'

  constructor(
    /** the service's code, e.g. `UNAUTHORIZED` or `FORBIDDEN` */
    readonly error: string,
    message: string,
  ) {
    super(message)
  }
}
