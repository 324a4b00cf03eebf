// Diagnostics for failing integration tests: print what is needed to understand the failure
// (component logs, objects, events) to stderr, which the test runner shows next to the failure.

import type { SuiteContext, TestContext } from 'node:test';

type Context = TestContext | SuiteContext;

/** Whether the test has failed. Node 24 sets `passed` at run time; @types/node does not declare it yet. */
export function hasFailed(t: Context): boolean {
  return (t as unknown as { passed?: boolean }).passed === false;
}

/**
 * Use as `afterEach((t) => printOnFailure(t, () => cluster.dumpLogs()))` or in `t.after`.
 * The report is built only when needed.
 */
export async function printOnFailure(t: Context, report: () => string | Promise<string>): Promise<void> {
  if (!hasFailed(t)) return;
  try {
    process.stderr.write(`\n===== diagnostics for failed test "${t.name}" =====\n${await report()}\n===== end of diagnostics =====\n`);
  } catch (error) {
    process.stderr.write(`(could not collect diagnostics: ${(error as Error).message})\n`);
  }
}
