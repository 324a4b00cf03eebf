// `kreboot status | pause | resume | reboot NODE`: thin clients of the controller's HTTP API, so the
// CLI, the status page and scripts all see the same answer. `status --watch` follows the status
// event stream (status-watch.ts).

import { readFileSync } from 'node:fs';
import axios, { type AxiosInstance } from 'axios';
import { readFlags } from '../config/load-config.ts';
import { usage } from '../config/parse-flags.ts';
import { EXIT_FAILURE, EXIT_USAGE, reportProblems } from '../process/exit.ts';
import type { Status } from '../controller/api/status.ts';
import { formatStatus } from './status-text.ts';
import { watchStatus } from './status-watch.ts';
import type { Forecast } from '../controller/policy/forecast.ts';

function client(server: string, tokenFile: string, problems: string[]): AxiosInstance | undefined {
  let token = '';
  if (tokenFile !== '') {
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      problems.push(`--token-file: cannot read ${tokenFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  try {
    new URL(server);
  } catch {
    problems.push(`--server: "${server}" is not a URL`);
    return undefined;
  }
  return axios.create({
    baseURL: server,
    timeout: 10_000,
    validateStatus: () => true,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

/** What each command does, shown first in its --help. */
const COMMANDS: Record<string, string> = {
  status: 'Shows the rollout: every node kreboot works on or waits for, with its phase and reason, and what holds the rollout.',
  plan:
    'Shows what would happen next, without changing anything (a dry run): the order the waiting nodes go in, the waves the ' +
    'concurrency and zone limits make, the nodes a gate holds and until when, and how long the rollout should take.',
  pause: 'Pauses the rollout: no node starts a reboot until resume (nodes already out of service finish).',
  resume: 'Resumes after a pause or a halt; the nodes that halted the rollout are waited for again with a fresh timeout.',
  reboot: 'Asks kreboot to reboot NODE, through the same gates, drain and limits as any other request.',
};

export function formatPlan(plan: Forecast): string {
  const lines: string[] = [];
  if (plan.rolloutHeld) lines.push(`rollout held: ${plan.rolloutHeld.gate}: ${plan.rolloutHeld.reason} (the waves follow once it ends)`);
  if (plan.inFlight.length > 0) lines.push(`out of service now: ${plan.inFlight.join(', ')}`);
  if (plan.order.length === 0) lines.push('no node waits for a reboot');
  plan.waves.forEach((wave, index) => lines.push(`wave ${index + 1}: ${wave.join(', ')}`));
  for (const held of plan.held)
    lines.push(`held ${held.node}: ${held.gate}: ${held.reason}${held.until ? ` (may open ${held.until})` : ''}`);
  const { perNodeSeconds, totalSeconds, basedOn } = plan.estimate;
  if (plan.waves.length > 0) {
    lines.push(
      totalSeconds === null
        ? 'estimate: unknown until a reboot has finished'
        : `estimate: ${Math.ceil(totalSeconds / 60)} min (${plan.waves.length} wave(s) at ${perNodeSeconds} s per node, the median of ${basedOn} reboot(s))`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function main(argv: string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const [command, ...rest] = argv;
  const { reader, parsed } = readFlags('cli', rest, env);
  if (parsed.help) {
    const synopsis = `kreboot ${command}${command === 'reboot' ? ' NODE' : ''} [flags]`;
    process.stdout.write(`${usage('cli', synopsis, COMMANDS[command ?? ''])}\n`);
    return 0;
  }
  const problems = [...reader.problems];
  const server = reader.string('server');
  const http = client(server, reader.string('token-file'), problems);
  const node = parsed.positionals[0];
  if (command === 'reboot' && !node) problems.push('reboot: name the node to reboot (kreboot reboot NODE)');
  if (command !== 'status' && reader.bool('watch')) problems.push(`${command}: --watch applies to status only`);
  if (command !== 'reboot' && parsed.positionals.length > 0) problems.push(`${command}: unexpected argument ${parsed.positionals[0]}`);
  if (!reportProblems(command!, { problems, notices: parsed.notices }) || !http) return EXIT_USAGE;

  const reason = reader.string('reason');
  if (command === 'status' && reader.bool('watch')) {
    if (reader.string('output') === 'json') {
      process.stderr.write('kreboot status: --watch shows text; for JSON, read GET /api/v1/status/events\n');
      return EXIT_USAGE;
    }
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    await watchStatus({
      server,
      out: { write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY === true },
      signal: stop.signal,
    });
    return 0;
  }
  try {
    const response =
      command === 'status'
        ? await http.get('/api/v1/status')
        : command === 'plan'
          ? await http.get('/api/v1/plan')
          : command === 'reboot'
            ? await http.post('/api/v1/reboot', { node, ...(reason ? { reason } : {}) })
            : await http.post(`/api/v1/${command}`, command === 'pause' && reason ? { reason } : {});
    if (response.status >= 400) {
      const error = (response.data as { error?: string } | undefined)?.error ?? `HTTP ${response.status}`;
      process.stderr.write(`kreboot ${command}: ${error}\n`);
      return EXIT_FAILURE;
    }
    if (command === 'status' || command === 'plan') {
      const text = command === 'status' ? formatStatus(response.data as Status, { server }) : formatPlan(response.data as Forecast);
      process.stdout.write(reader.string('output') === 'json' ? `${JSON.stringify(response.data, null, 2)}\n` : text);
    } else {
      process.stdout.write(`${JSON.stringify(response.data)}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`kreboot ${command}: cannot reach the controller at ${server} (${(error as Error).message})\n`);
    return EXIT_FAILURE;
  }
}
