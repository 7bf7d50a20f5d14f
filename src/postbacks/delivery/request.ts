// Turns a stored postback into the HTTP request of one attempt.
import type { DueDelivery } from '../types.js'
import type { DeliveryRequest } from './http-client.js'

export function buildRequest(delivery: DueDelivery, userAgent: string): DeliveryRequest {
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
    return { url, method: 'GET', headers }
  }
  headers['content-type'] = 'application/json'
  return { url, method: delivery.method, headers, body: delivery.body }
}
