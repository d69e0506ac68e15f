// PagerDuty's v3 webhooks: X-PagerDuty-Signature carries v1=HMAC-SHA256(secret, body) in hex, several
// comma-separated while a secret is rotated (any may match); the body's event.id is the delivery's id,
// and an event whose resource_type is `incident` names the incident as event.data.id.
import { anySigned, deliveryIdOf, headerOf, objectAt, type TicketWebhook } from '../ticket-webhook.js';

export const pagerdutyWebhook: TicketWebhook = {
  authentic: ({ headers, raw }, secrets) => {
    const signatures = (headerOf(headers, 'x-pagerduty-signature') ?? '').split(',').slice(0, 10).map((part) => part.trim());
    const v1 = signatures.filter((part) => part.startsWith('v1=')).map((part) => part.slice('v1='.length));
    return v1.length > 0 && anySigned(v1, secrets, raw);
  },
  deliveryId: ({ payload }) => deliveryIdOf(objectAt(payload, 'event').id),
  tickets: ({ payload }) => {
    const event = objectAt(payload, 'event');
    const id = objectAt(event, 'data').id;
    return event.resource_type === 'incident' && typeof id === 'string' ? [id] : [];
  },
};
