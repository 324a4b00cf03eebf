// How a kreboot process ends, for the controller, the agent and the operator commands alike: bad
// configuration reports every problem, then exits 2 (the usage-error code); a failure exits 1.

export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

export interface ProblemReport {
  readonly problems: readonly string[];
  readonly notices: readonly string[];
}

/** Prints notices; if there are problems prints them all and returns false. */
export function reportProblems(command: string, report: ProblemReport, stderr: NodeJS.WritableStream = process.stderr): boolean {
  for (const notice of report.notices) stderr.write(`kreboot ${command}: notice: ${notice}\n`);
  if (report.problems.length === 0) return true;
  // Two builders may check the same file (the alert gate and the silencer share Alertmanager's credentials).
  const problems = [...new Set(report.problems)];
  stderr.write(`kreboot ${command}: ${problems.length} problem(s) with the configuration:\n`);
  for (const problem of problems) stderr.write(`  - ${problem}\n`);
  stderr.write(`Run "kreboot ${command} --help" for the list of flags.\n`);
  return false;
}

/** Runs an entry point: its number is the exit code; an exception is printed and exits 1. */
export function exitWith(name: string, run: Promise<number>): void {
  run.then(
    (code) => {
      if (code !== 0) process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}
