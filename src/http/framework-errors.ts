// Errors Fastify and Node answer before any route or hook runs (a malformed URL, bytes that are
// not HTTP) get the same {error, message} shape as every other error.
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

export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['431 Request Header Fields Too Large', codes.HEADERS_TOO_LARGE, 'The request headers are too large']
      : ['400 Bad Request', codes.BAD_REQUEST, 'The request is not valid HTTP']
  const body = JSON.stringify({ error: code, message })
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
