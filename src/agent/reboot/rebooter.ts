// How the agent reboots its host: one method, one file per --reboot-method. A successful call
// usually never returns in practice (the host goes down); a failure is reported on the job.

export type RebootOutcome = { readonly ok: true } | { readonly ok: false; readonly exitCode?: number; readonly message: string };

export interface Rebooter {
  reboot(): Promise<RebootOutcome>;
}
