// `device-lab bench` (automation.md §1): runs every bench module's figures in order and prints
// one line each, `name: value unit`.
import type { Bench } from '../../bench/bench-types';
import { benches as allBenches } from '../../bench/index';

export function formatFigure(b: Bench, value: number): string {
  const shown = Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  return `${b.name}: ${shown} ${b.unit}`;
}

export async function benchCommand(
  args: string[],
  out: (line: string) => void,
  benches: readonly Bench[] = allBenches,
): Promise<number> {
  const only = args.filter((a) => !a.startsWith('--'));
  for (const b of benches) {
    if (only.length > 0 && !only.some((o) => b.name.startsWith(o))) continue;
    out(formatFigure(b, await b.run()));
  }
  return 0;
}
