// Asserts that fn throws a KernelError with the given code (and optionally a message fragment).
import { expect } from "vitest";
import { KernelError, type KernelErrorCode } from "../../src/index";

export function expectKernelError(fn: () => unknown, code: KernelErrorCode, message?: string | RegExp): KernelError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected a KernelError to be thrown").toBeInstanceOf(KernelError);
  const err = caught as KernelError;
  expect(err.code).toBe(code);
  if (message !== undefined) expect(err.message).toMatch(message);
  return err;
}
