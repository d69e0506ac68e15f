// The JitError a promise rejects with; fails the test when it resolves or rejects with anything else.
import { expect } from 'vitest';
import { JitError } from '../../src/core/errors.js';

export async function failure(promise: Promise<unknown>): Promise<JitError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(JitError);
  return error as JitError;
}
