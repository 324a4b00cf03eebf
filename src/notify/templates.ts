// Event → message text. kured's three templates keep their `%s` (the node name; every `%s` is
// replaced, `%%` is a literal %) and also take named fields {{node}}, {{reason}}, {{phase}},
// {{duration}}. The other kinds have fixed default texts in the same syntax.

import { formatDuration } from '../config/duration.ts';
import type { NotificationEvent, NotificationKind } from './event.ts';

export interface Templates {
  readonly drain: string;
  readonly reboot: string;
  readonly uncordon: string;
}

/** kured's defaults, and kreboot's texts for the steps kured did not announce. */
const DEFAULT_TEMPLATES: Readonly<Record<NotificationKind, string>> = {
  drain: 'Draining node %s',
  reboot: 'Rebooting node %s',
  uncordon: 'Node %s rebooted & uncordoned successfully!',
  blocked: 'Node {{node}} is waiting to reboot: {{reason}}',
  'drain-failed': 'Draining node {{node}} failed: {{reason}}',
  'reboot-failed': 'Node {{node}} did not come back from its reboot: {{reason}}',
  halted: 'Reboot rollout halted at node {{node}}: {{reason}}',
  resumed: 'Reboot rollout resumed: {{reason}}',
};

// One pass, so a reason that itself contains `%s` or `{{node}}` is printed as it is.
const TOKEN = /\{\{\s*(node|reason|phase|duration)\s*\}\}|%%|%s/g;

export function createRenderer(templates: Templates): (event: NotificationEvent) => string {
  const chosen: Record<NotificationKind, string> = {
    ...DEFAULT_TEMPLATES,
    // An empty flag value means "use the default", as kured's flags had defaults, not blanks.
    drain: templates.drain || DEFAULT_TEMPLATES.drain,
    reboot: templates.reboot || DEFAULT_TEMPLATES.reboot,
    uncordon: templates.uncordon || DEFAULT_TEMPLATES.uncordon,
  };
  return (event) => render(chosen[event.kind], event);
}

export function render(template: string, event: NotificationEvent): string {
  const fields: Record<string, string> = {
    node: event.node,
    reason: event.reason || 'no reason given',
    phase: event.phase || 'unknown',
    duration: event.durationMs === undefined ? 'unknown time' : formatDuration(wholeSeconds(event.durationMs)),
  };
  return template.replace(TOKEN, (token, name: string | undefined) => {
    if (name !== undefined) return fields[name] ?? '';
    return token === '%%' ? '%' : event.node;
  });
}

/** A reboot's duration to the second (850ms, 42s, 4m12s, 1h3m0s): milliseconds are noise in a chat message. */
function wholeSeconds(ms: number): number {
  return ms < 1000 ? Math.max(0, Math.round(ms)) : Math.round(ms / 1000) * 1000;
}
