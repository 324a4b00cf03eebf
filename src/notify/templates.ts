// Event → message text. kured's three templates keep their `%s` (the node name; every `%s` is
// replaced, `%%` is a literal %) and also take named fields {{node}}, {{reason}}, {{phase}},
// {{duration}} and {{cluster}} (--cluster-name). The other kinds have fixed default texts in the
// same syntax. With --cluster-name every default text starts with "[NAME] ", so a channel shared
// by several clusters says which one; a template the user wrote is left as written.

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

/** `blocked` for several nodes at once ({{node}} names the first few, {{count}} all of them). */
const BLOCKED_NODES_TEMPLATE = '{{count}} nodes are waiting to reboot: {{reason}} ({{node}})';

// One pass, so a reason that itself contains `%s` or `{{node}}` is printed as it is.
const TOKEN = /\{\{\s*(node|reason|phase|duration|cluster|count)\s*\}\}|%%|%s/g;

export function createRenderer(templates: Templates, cluster = ''): (event: NotificationEvent) => string {
  const prefix = cluster === '' ? '' : '[{{cluster}}] ';
  const defaults = Object.fromEntries(Object.entries(DEFAULT_TEMPLATES).map(([kind, text]) => [kind, `${prefix}${text}`])) as Record<
    NotificationKind,
    string
  >;
  // kured's defaults given again as flag values (kured's chart writes them out) count as defaults.
  const own = (given: string, kind: 'drain' | 'reboot' | 'uncordon') =>
    given === '' || given === DEFAULT_TEMPLATES[kind] ? defaults[kind] : given;
  const chosen: Record<NotificationKind, string> = {
    ...defaults,
    // An empty flag value means "use the default", as kured's flags had defaults, not blanks.
    drain: own(templates.drain, 'drain'),
    reboot: own(templates.reboot, 'reboot'),
    uncordon: own(templates.uncordon, 'uncordon'),
  };
  const blockedNodes = `${prefix}${BLOCKED_NODES_TEMPLATE}`;
  return (event) => {
    const template = event.kind === 'blocked' && (event.nodes?.length ?? 0) > 1 ? blockedNodes : chosen[event.kind];
    return render(template, cluster === '' ? event : { ...event, cluster });
  };
}

export function render(template: string, event: NotificationEvent): string {
  const fields: Record<string, string> = {
    node: event.node,
    reason: event.reason || 'no reason given',
    phase: event.phase || 'unknown',
    duration: event.durationMs === undefined ? 'unknown time' : formatDuration(wholeSeconds(event.durationMs)),
    cluster: event.cluster ?? '',
    count: String(event.nodes?.length ?? 1),
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
