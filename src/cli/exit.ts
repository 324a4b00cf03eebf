// Reporting configuration problems: every one of them, then exit 2 (the usage-error code).

export const EXIT_USAGE = 2;

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
