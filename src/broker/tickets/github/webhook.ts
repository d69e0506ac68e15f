// GitHub's webhooks: X-Hub-Signature-256 is sha256=HMAC-SHA256(secret, body) in hex; X-GitHub-Delivery
// the delivery's id; X-GitHub-Event `issues` (opened, closed, reopened, assigned, transferred, deleted, …)
// names repository.full_name and issue.number. Other events (ping included) are about no ticket.
import { anySigned, deliveryIdOf, headerOf, objectAt, type TicketWebhook } from '../ticket-webhook.js';

export const githubWebhook: TicketWebhook = {
  authentic: ({ headers, raw }, secrets) => {
    const signature = headerOf(headers, 'x-hub-signature-256');
    return signature?.startsWith('sha256=') === true && anySigned([signature.slice('sha256='.length)], secrets, raw);
  },
  deliveryId: ({ headers }) => deliveryIdOf(headerOf(headers, 'x-github-delivery')),
  tickets: ({ headers, payload }) => {
    if (headerOf(headers, 'x-github-event') !== 'issues') return [];
    const repository = objectAt(payload, 'repository').full_name;
    const number = objectAt(payload, 'issue').number;
    return typeof repository === 'string' && typeof number === 'number' ? [`${repository}#${number}`] : [];
  },
};
