// Turns a stored postback into the HTTP request of one attempt.
import type { DueDelivery } from '../types.js'
import type { DeliveryRequest } from './http-client.js'
import type { Signer } from './signing.js'

/** `sign`, when given, adds Standard Webhooks headers; a GET is signed over an empty body. */
export function buildRequest(delivery: DueDelivery, userAgent: string, sign?: Signer): DeliveryRequest {
  const url = new URL(delivery.url)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(delivery.headers)) headers[name.toLowerCase()] = value
  headers['user-agent'] = userAgent
  headers['webhook-id'] = delivery.id

  if (delivery.method === 'GET') {
    const payload = JSON.parse(delivery.body) as Record<string, unknown>
    for (const [key, value] of Object.entries(payload)) {
      url.searchParams.append(key, typeof value === 'string' ? value : JSON.stringify(value))
    }
    delete headers['content-type']
    if (sign) Object.assign(headers, sign(delivery.id, '', new Date()))
    return { url, method: 'GET', headers }
  }
  headers['content-type'] = 'application/json'
  if (sign) Object.assign(headers, sign(delivery.id, delivery.body, new Date()))
  return { url, method: delivery.method, headers, body: delivery.body }
}
