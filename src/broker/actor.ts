// How the audit names who acted: a person as `user:NAME@ADDRESS`, a CI job as `workload:NAME@ADDRESS`,
// with what its identity token said about the run (repository, ref, commit, run id) beside it.
import type { Operator } from '../platform/operator.js';

export function actorOf(caller: Operator): string {
  // A workload's name already says what it is (`workload:NAME`).
  return caller.workload ? `${caller.name}@${caller.host}` : `user:${caller.name}@${caller.host}`;
}

/** For a request's first event: the issuer, subject and run claims of a workload's token; nothing for a person. */
export function provenanceOf(caller: Operator): Record<string, string> {
  if (!caller.workload) return {};
  const { issuer, subject, provenance } = caller.workload;
  return { tokenIssuer: issuer, tokenSubject: subject, tokenClaims: JSON.stringify(provenance) };
}
