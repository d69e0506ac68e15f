// Jira's webhooks (a webhook registered with a secret): X-Hub-Signature is sha256=HMAC-SHA256(secret,
// body) in hex; X-Atlassian-Webhook-Identifier the delivery's id (the same on a retry); the body names
// issue.key. An issue moved to another project changes its key: the changelog's `Key` item names the
// old one, which is the one grants were issued for.
import { anySigned, deliveryIdOf, headerOf, objectAt, type TicketWebhook } from '../ticket-webhook.js';

export const jiraWebhook: TicketWebhook = {
  authentic: ({ headers, raw }, secrets) => {
    const signature = headerOf(headers, 'x-hub-signature');
    return signature?.startsWith('sha256=') === true && anySigned([signature.slice('sha256='.length)], secrets, raw);
  },
  deliveryId: ({ headers }) => deliveryIdOf(headerOf(headers, 'x-atlassian-webhook-identifier')),
  tickets: ({ payload }) => {
    const keys = [objectAt(payload, 'issue').key];
    const items = objectAt(payload, 'changelog').items;
    for (const item of Array.isArray(items) ? items.slice(0, 50) : []) {
      const change = item as Record<string, unknown>;
      if (change.field === 'Key') keys.push(change.fromString, change.toString);
    }
    return keys.filter((key): key is string => typeof key === 'string');
  },
};
