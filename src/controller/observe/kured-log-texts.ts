// kured's log texts for the steps a controller transition stands for, so an operator who greps a
// kured log for `Draining node worker-1` or `Reboot blocked` finds the same lines in kreboot's
// (docs/logging.md). They come beside the structured `node transition` line, which tools read; the
// lock's texts (`Acquired reboot lock`, `Releasing lock`) are logged where the slot changes hands
// (perform.ts) and the agent's (`Reboot required`) where the sentinel is checked.

import type { NodeProgress } from '../../store/node-progress.ts';

export interface KuredLine {
  readonly level: 'info' | 'warn';
  readonly msg: string;
}

export function kuredLogLines(name: string, before: NodeProgress | undefined, after: NodeProgress): KuredLine[] {
  switch (after.phase) {
    case 'waiting':
      // kured: log.Warnf("Reboot blocked: %d active alerts: %v", …) and "Reboot blocked: matching pods: …".
      return [{ level: 'warn', msg: `Reboot blocked: ${after.reason}` }];
    case 'cordoned':
      return [{ level: 'info', msg: `Draining node ${name}` }];
    case 'rebooting':
      return before?.phase === 'rebooting' ? [] : [{ level: 'info', msg: `Triggering reboot for node ${name}` }];
    case 'done':
      return before?.phase === 'verifying' ? [{ level: 'info', msg: `Uncordoning node ${name}` }] : [];
    case 'failed':
      return before?.phase === 'draining' || before?.phase === 'cordoned'
        ? [{ level: 'warn', msg: `Error draining ${name}: ${after.reason}` }]
        : [];
    default:
      return [];
  }
}
