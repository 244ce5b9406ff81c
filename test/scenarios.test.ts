import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataFile } from '../src/cli/load';
import { checkLine } from '../src/cli/run';
import { validateScenario } from '../src/cli/scenario';
import { ScenarioRun } from '../src/cli/scenario-runner';

function scenarioFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return scenarioFiles(path);
      return /\.(json|ya?ml)$/i.test(name) ? [path] : [];
    });
}

const files = scenarioFiles('scenarios');

describe('scenario files in scenarios/', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s passes every check', (file) => {
    const run = ScenarioRun.prepare(validateScenario(loadDataFile(file), file));
    const failures = run
      .run()
      .filter((r) => !r.passed)
      .map((r) => checkLine(file, r));
    expect(failures).toEqual([]);
  });
});
