// GitLab's webhooks: X-Gitlab-Token carries the secret itself (no signature); Idempotency-Key (or, on
// older GitLab, X-Gitlab-Event-UUID) the delivery's id; X-Gitlab-Event `Issue Hook` (and `Confidential
// Issue Hook`) names project.path_with_namespace and object_attributes.iid.
import { deliveryIdOf, headerOf, objectAt, sameSecret, type TicketWebhook } from '../ticket-webhook.js';

const ISSUE_EVENTS = ['Issue Hook', 'Confidential Issue Hook'];

export const gitlabWebhook: TicketWebhook = {
  authentic: ({ headers }, secrets) => {
    const token = headerOf(headers, 'x-gitlab-token');
    let found = false;
    // SECURITY: every secret is compared, whichever matches.
    for (const secret of secrets) found = (token !== undefined && sameSecret(token, secret)) || found;
    return found;
  },
  deliveryId: ({ headers }) => deliveryIdOf(headerOf(headers, 'idempotency-key') ?? headerOf(headers, 'x-gitlab-event-uuid')),
  tickets: ({ headers, payload }) => {
    if (!ISSUE_EVENTS.includes(headerOf(headers, 'x-gitlab-event') ?? '')) return [];
    const project = objectAt(payload, 'project').path_with_namespace;
    const iid = objectAt(payload, 'object_attributes').iid;
    return typeof project === 'string' && typeof iid === 'number' ? [`${project}#${iid}`] : [];
  },
};
