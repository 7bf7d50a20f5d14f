// Errors Fastify and Node answer before any route or hook runs (a malformed URL, bytes that are
// not HTTP, a request still arriving after REQUEST_TIMEOUT_MS) get the same {error, message}
// shape as every other error.
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { codes } from '../errors.js'

export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const malformedUrl = error.code === 'FST_ERR_BAD_URL'
  void reply.status(400).send({
    error: codes.BAD_REQUEST,
    message: malformedUrl ? 'The URL is malformed (bad percent-encoding)' : error.message,
  })
}

/** A socket's request being answered, if any (Node keeps it there). */
type HttpSocket = Socket & { _httpMessage?: { headersSent: boolean } }

export function clientErrorHandler(error: Error & { code?: string }, socket: HttpSocket): void {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return answerTimeout(socket)
  if (error.code === 'ECONNRESET' || !socket.writable) return
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['431 Request Header Fields Too Large', codes.HEADERS_TOO_LARGE, 'The request headers are too large']
      : ['400 Bad Request', codes.BAD_REQUEST, 'The request is not valid HTTP']
  socket.end(rawAnswer(status, code, message))
}

/**
 * The request was still arriving after REQUEST_TIMEOUT_MS: 408 (unless an answer had begun), and
 * the connection is closed at once, whatever the client keeps sending (as Node itself does).
 */
function answerTimeout(socket: HttpSocket): void {
  if (socket.writable && !socket._httpMessage?.headersSent) {
    const message = 'The request headers and body did not all arrive within REQUEST_TIMEOUT_MS'
    socket.write(rawAnswer('408 Request Timeout', codes.REQUEST_TIMEOUT, message))
  }
  socket.destroy()
}

function rawAnswer(status: string, code: string, message: string): string {
  const body = JSON.stringify({ error: code, message })
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}
