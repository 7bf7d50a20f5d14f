// Standard Webhooks signatures (https://www.standardwebhooks.com): receivers verify
// `webhook-signature` over `<webhook-id>.<webhook-timestamp>.<body>` with the shared secret.
import { Webhook } from 'standardwebhooks'

export type Signer = (id: string, body: string, at: Date) => Record<string, string>

export function createSigner(secret: string): Signer {
  const webhook = new Webhook(secret)
  return (id, body, at) => ({
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': webhook.sign(id, at, body),
  })
}
