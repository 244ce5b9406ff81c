// `device-lab conformance FILE...` (automation.md §1): replays QEMU reference-trace files and
// prints one line per scenario / validation case, then `N passed, M failed`.
import { runConformance } from './conformance';
import { UsageError } from './load';

export function conformanceCommand(args: string[], out: (line: string) => void): number {
  if (args.length === 0) throw new UsageError('conformance: give at least one trace file');
  const bad = args.find((a) => a.startsWith('--'));
  if (bad) throw new UsageError(`conformance: unknown option ${bad}`);
  let result: { passed: number; failed: number };
  try {
    result = runConformance(args, out);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  out(`${result.passed} passed, ${result.failed} failed`);
  return result.failed > 0 ? 1 : 0;
}
