// What the login commands share: the team broker config.yaml names, and the operator's login for it
// (or, in a CI job, the job's identity token).
import { BrokerClient } from '../backends/broker-client.js';
import { JitError } from '../core/errors.js';
import { LoginStore } from '../login/login-store.js';
import { workloadIdentity, type WorkloadIdentitySource } from '../login/workload-identity.js';
import { ensurePrivateDir } from '../platform/paths.js';
import type { Context } from './context.js';

export interface TeamBroker {
  url: string;
  logins: LoginStore;
  /** Set when the environment names a CI job's identity token: then it, never a stored login, proves who calls. */
  workload: WorkloadIdentitySource | undefined;
  /** A client whose calls carry the login; made on demand (it holds a connection pool to close). */
  connect(): BrokerClient;
}

export async function teamBroker(context: Context, command: string): Promise<TeamBroker> {
  const config = await context.config();
  if (config.backend !== 'http' || !config.broker) {
    throw new JitError('config', `jit ${command} is for a team broker, and config.yaml says backend: embedded`, {
      hint: 'set backend: http and broker: URL in config.yaml (README.md, "Running a team broker")',
    });
  }
  const url = new URL(config.broker).origin;
  const logins = new LoginStore(context.secrets(), ensurePrivateDir(context.paths.stateDir));
  const workload = workloadIdentity(context.env, url);
  const proof = workload
    ? { token: () => workload.token(), unauthenticatedHint: `check the identity token from ${workload.from}: the issuer, audience and claims the policy's workloads: name (README.md, "Workload identity for CI")` }
    : { token: () => logins.accessToken(url) };
  const connect = () => new BrokerClient({ url, ...(config.caFile ? { caFile: config.caFile } : {}), ...proof });
  return { url, logins, workload, connect };
}
