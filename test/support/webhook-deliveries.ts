// Webhook deliveries as each vendor documents sending them: the headers, the signature over the exact
// body bytes, the delivery id, and the body's shape for an issue (or incident) event.
import { createHmac, randomUUID } from 'node:crypto';

export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

/** GitHub: X-GitHub-Event, X-GitHub-Delivery (a GUID), X-Hub-Signature-256 sha256=HMAC. */
export function githubIssueEvent(secret: string, reference: string, action: string, id = randomUUID()): Delivery {
  const [repository, number] = reference.split('#') as [string, string];
  const body = JSON.stringify({ action, issue: { number: Number(number), state: action === 'closed' ? 'closed' : 'open', title: 'A task' }, repository: { full_name: repository }, sender: { login: 'bob' } });
  return { body, headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': id, 'x-hub-signature-256': `sha256=${hmac(secret, body)}`, 'user-agent': 'GitHub-Hookshot/abc123' } };
}

/** GitLab: X-Gitlab-Event `Issue Hook`, X-Gitlab-Token (the secret itself), X-Gitlab-Event-UUID and Idempotency-Key. */
export function gitlabIssueEvent(token: string, reference: string, action: string, id = randomUUID()): Delivery {
  const [project, iid] = reference.split('#') as [string, string];
  const body = JSON.stringify({ object_kind: 'issue', event_type: 'issue', project: { path_with_namespace: project }, object_attributes: { iid: Number(iid), action, state: action === 'close' ? 'closed' : 'opened' } });
  return { body, headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Issue Hook', 'x-gitlab-token': token, 'x-gitlab-event-uuid': id, 'idempotency-key': id } };
}

/** Jira: X-Atlassian-Webhook-Identifier, X-Hub-Signature sha256=HMAC; a moved issue's changelog names its old key. */
export function jiraIssueEvent(secret: string, key: string, options: { movedFrom?: string; id?: string } = {}): Delivery {
  const items = options.movedFrom ? [{ field: 'Key', fieldtype: 'jira', fromString: options.movedFrom, toString: key }] : [{ field: 'status', fromString: 'In Progress', toString: 'Done' }];
  const body = JSON.stringify({ timestamp: Date.now(), webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic', issue: { id: '10002', key, fields: { status: { name: 'Done' } } }, changelog: { id: '10100', items } });
  return { body, headers: { 'content-type': 'application/json', 'x-atlassian-webhook-identifier': options.id ?? String(Date.now() + Math.random()), 'x-atlassian-webhook-flow': 'Primary', 'x-hub-signature': `sha256=${hmac(secret, body)}` } };
}

/** PagerDuty v3: X-PagerDuty-Signature v1=HMAC, one per active secret (several while one is rotated); event.id is the delivery's id. */
export function pagerdutyIncidentEvent(secrets: string[], incident: string, eventType = 'incident.resolved', id = `01${randomUUID().replaceAll('-', '').slice(0, 24).toUpperCase()}`): Delivery {
  const body = JSON.stringify({ event: { id, event_type: eventType, resource_type: 'incident', occurred_at: new Date().toISOString(), agent: null, client: null, data: { id: incident, type: 'incident', status: 'resolved' } } });
  return { body, headers: { 'content-type': 'application/json', 'x-pagerduty-signature': secrets.map((secret) => `v1=${hmac(secret, body)}`).join(','), 'x-webhook-id': 'PWEBHOOK1', 'user-agent': 'PagerDuty-Webhook/V3.0' } };
}
