// `kreboot status | plan | pause | resume | reboot NODE` (also `kubectl kreboot ...`): thin clients
// of the controller's HTTP API, so the CLI, the status page and scripts all see the same answer.
// They reach the controller through the API server with the user's kubeconfig, or at --server
// (controller-client.ts). `status --watch` follows the status event stream (status-watch.ts).

import { readFlags } from '../config/load-config.ts';
import { usage } from '../config/parse-flags.ts';
import { EXIT_FAILURE, EXIT_USAGE, reportProblems } from '../process/exit.ts';
import type { Status } from '../controller/status/status.ts';
import { connect } from './controller-client.ts';
import { formatStatus } from './status-text.ts';
import { watchStatus } from './status-watch.ts';
import type { PooledForecast } from '../controller/pools/combined-reconciler.ts';

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

export function formatPlan(plan: PooledForecast): string {
  const lines: string[] = [];
  // With pools, each pool's plan: its waves go beside the other pools' (docs/pools.md).
  if (plan.pools && plan.pools.length > 1)
    return plan.pools
      .map(
        (pool) =>
          `pool ${pool.pool}:\n${formatPlan({ ...pool, pools: [] })
            .replace(/^/gm, '  ')
            .trimEnd()}\n`,
      )
      .join('');
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
  const node = parsed.positionals[0];
  if (command === 'reboot' && !node) problems.push('reboot: name the node to reboot (kreboot reboot NODE)');
  if (command !== 'status' && reader.bool('watch')) problems.push(`${command}: --watch applies to status only`);
  if (command !== 'reboot' && parsed.positionals.length > 0) problems.push(`${command}: unexpected argument ${parsed.positionals[0]}`);
  const controller =
    problems.length === 0
      ? await connect(
          {
            server,
            tokenFile: reader.string('token-file'),
            kubeconfig: reader.string('kubeconfig'),
            context: reader.string('context'),
            namespace: reader.string('namespace'),
            service: reader.string('service'),
          },
          problems,
        )
      : undefined;
  if (!reportProblems(command!, { problems, notices: parsed.notices }) || !controller) return EXIT_USAGE;
  const { http, where } = controller;

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
      where,
      out: { write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY === true },
      signal: stop.signal,
      open: async (signal) => {
        // No timeout: the stream stays open; the API server's proxy passes each event on as it comes.
        const response = await http.get('/api/v1/status/events', {
          signal,
          timeout: 0,
          responseType: 'stream',
          headers: { accept: 'text/event-stream' },
        });
        if (response.status >= 400) {
          (response.data as NodeJS.ReadableStream & { destroy(): void }).destroy();
          throw new Error(`HTTP ${response.status}`);
        }
        return response.data as AsyncIterable<Uint8Array>;
      },
    });
    return 0;
  }
  const action = command === 'pause' || command === 'resume' || command === 'reboot';
  if (action && !controller.hasToken) {
    // The controller would refuse (401); say why here, with what to do instead.
    process.stderr.write(`kreboot ${command}: no token to act with: ${controller.noTokenHint}\n`);
    return EXIT_FAILURE;
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
      // The controller answers { error }; the API server (RBAC on services/proxy, no endpoints) a Status with a message.
      const body = response.data as { error?: string; message?: string } | string | undefined;
      const error = typeof body === 'object' ? (body.error ?? body.message) : undefined;
      process.stderr.write(`kreboot ${command}: ${error ?? `HTTP ${response.status}`}\n`);
      return EXIT_FAILURE;
    }
    if (command === 'status' || command === 'plan') {
      const text = command === 'status' ? formatStatus(response.data as Status, { server }) : formatPlan(response.data as PooledForecast);
      process.stdout.write(reader.string('output') === 'json' ? `${JSON.stringify(response.data, null, 2)}\n` : text);
    } else {
      process.stdout.write(`${JSON.stringify(response.data)}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`kreboot ${command}: cannot reach the controller at ${where} (${(error as Error).message})\n`);
    return EXIT_FAILURE;
  }
}
