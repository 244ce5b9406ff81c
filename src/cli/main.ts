// device-lab command line (automation.md §1): run, conformance, simulate, bench.
// Results go to stdout; usage and input errors go to stderr with exit code 2.
import { benchCommand } from './bench';
import { conformanceCommand } from './conformance-command';
import { UsageError } from './load';
import { runCommand } from './run';
import { simulateCommand } from './simulate';

const USAGE = `usage: device-lab <command> ...
  run FILE... [--junit FILE]        run scenario files (JSON or YAML)
  conformance FILE...               replay QEMU reference-trace files
  simulate [--lab FILE] [--qemu 'ARGS'] --seconds S [--seed N] [--guest ts|linux] [--json]
  bench                             print the benchmark figures`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const wallMs = () => performance.now();

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'run':
      return runCommand(args, out, wallMs);
    case 'conformance':
      return conformanceCommand(args, out);
    case 'simulate':
      return simulateCommand(args, out, wallMs);
    case 'bench':
      return benchCommand(args, out);
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return 0;
    default:
      throw new UsageError(
        `${command === undefined ? 'no command given' : `unknown command '${command}'`}\n${USAGE}`,
      );
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`device-lab: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(
        `device-lab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = 1;
    }
  },
);
