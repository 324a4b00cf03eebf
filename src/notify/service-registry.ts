// URL scheme → the parser of that service. Adding a service is a new file in services/ and a row here.

import type { Notifier } from './notifier.ts';
import { parseBarkUrl } from './services/bark.ts';
import { parseDiscordUrl } from './services/discord.ts';
import { parseGenericUrl } from './services/generic.ts';
import { parseGooglechatUrl } from './services/googlechat.ts';
import { parseGotifyUrl } from './services/gotify.ts';
import { parseIftttUrl } from './services/ifttt.ts';
import { parseJoinUrl } from './services/join.ts';
import { parseMatrixUrl } from './services/matrix.ts';
import { parseMattermostUrl } from './services/mattermost.ts';
import { parseNtfyUrl } from './services/ntfy.ts';
import { parseOpsgenieUrl } from './services/opsgenie.ts';
import { parsePushbulletUrl } from './services/pushbullet.ts';
import { parsePushoverUrl } from './services/pushover.ts';
import { parseRocketchatUrl } from './services/rocketchat.ts';
import { parseSlackUrl } from './services/slack.ts';
import { parseSmtpUrl } from './services/smtp.ts';
import { parseTeamsWorkflowsUrl } from './services/teams-workflows.ts';
import { parseTeamsUrl } from './services/teams.ts';
import { parseTelegramUrl } from './services/telegram.ts';
import type { ServiceContext } from './services/url-parts.ts';
import { parseZulipUrl } from './services/zulip.ts';

export type ServiceParser = (url: URL, context: ServiceContext) => Notifier[];

export const SERVICES: Readonly<Record<string, ServiceParser>> = {
  slack: parseSlackUrl,
  teams: parseTeamsUrl,
  'teams+https': parseTeamsWorkflowsUrl,
  // Known only to say that a Workflows URL must be https.
  'teams+http': parseTeamsWorkflowsUrl,
  discord: parseDiscordUrl,
  mattermost: parseMattermostUrl,
  telegram: parseTelegramUrl,
  ntfy: parseNtfyUrl,
  generic: parseGenericUrl,
  'generic+https': parseGenericUrl,
  'generic+http': parseGenericUrl,
  bark: parseBarkUrl,
  gotify: parseGotifyUrl,
  googlechat: parseGooglechatUrl,
  // shoutrrr's older name for Google Chat.
  hangouts: parseGooglechatUrl,
  ifttt: parseIftttUrl,
  join: parseJoinUrl,
  matrix: parseMatrixUrl,
  opsgenie: parseOpsgenieUrl,
  pushbullet: parsePushbulletUrl,
  pushover: parsePushoverUrl,
  rocketchat: parseRocketchatUrl,
  smtp: parseSmtpUrl,
  zulip: parseZulipUrl,
};
