// Turns changes of kreboot.dev/check-requested-at on the Node into "check the sentinel now". The
// first value seen is only remembered: the agent checks at start anyway.

import type { V1Node } from '@kubernetes/client-node';
import { CONTROLLER } from '../../store/keys.ts';

export function checkRequestWatcher(onRequest: (requestedAt: string) => void): (node: V1Node) => void {
  let seen = false;
  let last: string | undefined;
  return (node) => {
    const value = node.metadata?.annotations?.[CONTROLLER.checkRequestedAt];
    if (seen && value !== undefined && value !== last) onRequest(value);
    seen = true;
    last = value;
  };
}
