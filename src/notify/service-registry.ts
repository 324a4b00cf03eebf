// URL scheme → the parser of that service. Adding a service is a new file in services/ and a row here.

import type { Notifier } from './notifier.ts';
import { parseDiscordUrl } from './services/discord.ts';
import { parseGenericUrl } from './services/generic.ts';
import { parseMattermostUrl } from './services/mattermost.ts';
import { parseNtfyUrl } from './services/ntfy.ts';
import { parseSlackUrl } from './services/slack.ts';
import { parseTeamsUrl } from './services/teams.ts';
import { parseTelegramUrl } from './services/telegram.ts';
import type { ServiceContext } from './services/url-parts.ts';

export type ServiceParser = (url: URL, context: ServiceContext) => Notifier[];

export const SERVICES: Readonly<Record<string, ServiceParser>> = {
  slack: parseSlackUrl,
  teams: parseTeamsUrl,
  discord: parseDiscordUrl,
  mattermost: parseMattermostUrl,
  telegram: parseTelegramUrl,
  ntfy: parseNtfyUrl,
  generic: parseGenericUrl,
  'generic+https': parseGenericUrl,
  'generic+http': parseGenericUrl,
};
