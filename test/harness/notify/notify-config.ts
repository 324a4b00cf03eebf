// The notify part of the controller's configuration with kured's defaults (its message templates,
// its Slack username), for the notify tests to override one field at a time.

export const notifyConfig = (
  overrides: Partial<{ urls: string[]; slackHookUrl: string; slackUsername: string; slackChannel: string }> = {},
) => ({
  urls: overrides.urls ?? [],
  slackHookUrl: overrides.slackHookUrl ?? '',
  slackUsername: overrides.slackUsername ?? 'kured',
  slackChannel: overrides.slackChannel ?? '',
  templates: { drain: 'Draining node %s', reboot: 'Rebooting node %s', uncordon: 'Node %s rebooted & uncordoned successfully!' },
});
