// `device-lab run FILE... [--junit FILE]` (automation.md §1): validates every scenario file
// first (exit 2 naming the file and the JSON path of the bad field), then runs them, printing
// one line per check and a last line `N passed, M failed` (exit 0, or 1 if a check failed).
import { writeFileSync } from 'node:fs';
import { type SuiteResult, toJunit } from './junit';
import { loadDataFile, UsageError } from './load';
import { ScenarioError, validateScenario } from './scenario';
import { type CheckResult, ScenarioRun } from './scenario-runner';

export function checkLine(file: string, r: CheckResult): string {
  const where = r.step >= 0 ? ` step ${r.step + 1}` : '';
  const status = r.passed ? 'PASS' : 'FAIL';
  const detail = r.detail ? ` (${r.detail})` : '';
  return `${status} ${file}${where}: ${r.title}${detail}`;
}

function fileBase(file: string): string {
  return file.replace(/^.*\//, '').replace(/\.(json|ya?ml)$/i, '');
}

/** Loads, validates and prepares one file; UsageError naming the file on any problem. */
export function prepareScenarioFile(file: string): ScenarioRun {
  const data = loadDataFile(file);
  try {
    return ScenarioRun.prepare(validateScenario(data, fileBase(file)));
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof Error) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

export async function runCommand(
  args: string[],
  out: (line: string) => void,
  wallMs: () => number,
): Promise<number> {
  const files: string[] = [];
  let junit: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--junit') {
      junit = args[++i];
      if (junit === undefined) throw new UsageError('run: --junit needs a file name');
    } else if (args[i].startsWith('--')) {
      throw new UsageError(`run: unknown option ${args[i]}`);
    } else {
      files.push(args[i]);
    }
  }
  if (files.length === 0) throw new UsageError('run: give at least one scenario file');
  const runs = files.map((f) => ({ file: f, run: prepareScenarioFile(f) }));
  const suites: SuiteResult[] = [];
  let passed = 0;
  let failed = 0;
  for (const { file, run } of runs) {
    const t0 = wallMs();
    const results = await run.runAsync();
    suites.push({ file, results, wallS: (wallMs() - t0) / 1000 });
    for (const r of results) {
      out(checkLine(file, r));
      if (r.passed) passed++;
      else failed++;
    }
  }
  if (junit !== undefined) writeFileSync(junit, toJunit(suites));
  out(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
