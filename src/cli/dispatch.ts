// The front door both binaries share (`kreboot` and the `kubectl kreboot` plugin): help, version,
// an unknown command named with the help, then the command's module loaded only when it is run.

import { EXIT_USAGE } from '../process/exit.ts';
import { VERSION } from '../version.ts';

export type CommandLoader = () => Promise<{ main(argv: string[]): Promise<number> }>;

export async function dispatch(
  binary: string,
  help: string,
  commands: Readonly<Record<string, CommandLoader>>,
  argv: string[],
  /** The arguments a command's main receives (default: all of them, the command first). */
  argsFor: (command: string, argv: string[]) => string[] = (_command, all) => all,
): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(help);
    return command === undefined ? EXIT_USAGE : 0;
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const load = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!load) {
    process.stderr.write(`${binary}: unknown command "${command}"\n\n${help}`);
    return EXIT_USAGE;
  }
  const module = await load();
  return module.main(argsFor(command, argv));
}
