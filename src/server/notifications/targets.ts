// The notification targets broker.yaml names, with their secrets read now: a missing, weak or misplaced
// secret stops the start (78), not the first notification.
import { readSecretReference } from '../../broker/issuers/secret-reference.js';
import { readWebhookSecret } from '../../broker/tickets/webhook-secret.js';
import { isLoopbackHost } from '../../core/loopback.js';
import { JitError } from '../../core/errors.js';
import type { BrokerConfig } from '../config.js';
import type { NotificationTargets } from './notifier.js';

export async function readNotificationTargets(config: BrokerConfig, env: NodeJS.ProcessEnv): Promise<NotificationTargets> {
  const { webhook, slack } = config.notifications;
  const targets: NotificationTargets = {};
  const failed = (setting: string) => (error: unknown) => {
    throw new JitError('config', `notifications.${setting}: ${(error as Error).message}`, { hint: (error as JitError).hint ?? `fix notifications.${setting} in ${config.source}` });
  };
  if (webhook) targets.webhook = { url: webhook.url, secret: await readWebhookSecret(webhook.secret, { env }).catch(failed('webhook.secret')) };
  if (slack) {
    const url = await readSecretReference(slack.url, { env }).catch(failed('slack.url'));
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    // SECURITY: the message names people, roles and tickets: it goes over TLS (plain HTTP only to loopback).
    if (!parsed || !(parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)))) {
      throw new JitError('config', `notifications.slack.url: ${slack.url} does not hold an https:// address`, { hint: 'put the incoming webhook address Slack gave (https://hooks.slack.com/services/…) there' });
    }
    targets.slack = { url };
  }
  return targets;
}
