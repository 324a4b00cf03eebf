// The notification kinds, in the order --notify-events lists them. Here rather than in src/notify/
// so the flag table (read by the agent too) does not pull the notifiers into the agent's bundle.
export const NOTIFICATION_KINDS = ['drain', 'reboot', 'uncordon', 'blocked', 'drain-failed', 'reboot-failed', 'halted', 'resumed'] as const;
