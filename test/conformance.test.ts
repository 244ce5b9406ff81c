import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../src/cli/conformance';

// The reference traces live beside the checkout, in shared/specs (README: conformance).
const spec = (name: string) => fileURLToPath(new URL(`../../shared/specs/${name}`, import.meta.url));
const SINGLE = spec('throttle-traces.json');
const GROUP = spec('throttle-group-traces.json');

function tempFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-'));
  const file = join(dir, 'trace.json');
  writeFileSync(file, content);
  return file;
}

describe('conformance replay of the QEMU reference traces', () => {
  it('passes all 31 single-disk scenarios, 20 validation cases and 4 group scenarios', () => {
    const lines: string[] = [];
    const result = runConformance([SINGLE, GROUP], (l) => lines.push(l));
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(result).toEqual({ passed: 55, failed: 0 });
    expect(lines).toHaveLength(55);
    expect(lines).toContain('PASS g_three_disks_iops10');
  });

  it('reports the first difference when a recorded number is changed', () => {
    const doc = JSON.parse(readFileSync(SINGLE, 'utf8'));
    doc.scenarios = [doc.scenarios.find((s: { name: string }) => s.name === 'bps_total_only')];
    doc.scenarios[0].expected.raw[2].wait_ns = 25_000_000;
    doc.validation = [];
    const lines: string[] = [];
    const result = runConformance([tempFile(JSON.stringify(doc))], (l) => lines.push(l));
    expect(result).toEqual({ passed: 0, failed: 1 });
    expect(lines[0]).toBe('FAIL bps_total_only: raw[2].wait_ns: got 24999999, expected 25000000');
  });

  it('detects a level that differs in its last bit', () => {
    const doc = JSON.parse(readFileSync(GROUP, 'utf8'));
    const d = doc.scenarios[0].expected.dispatch[3];
    d.levels.iops_total[0] = d.levels.iops_total[0] + 4.440892098500626e-16;
    const lines: string[] = [];
    runConformance([tempFile(JSON.stringify(doc))], (l) => lines.push(l));
    expect(lines[0]).toMatch(/^FAIL g_three_disks_iops10: dispatch\[3\]\.levels\.iops_total\[0\]/);
  });

  it('names the file and JSON path of an invalid field', () => {
    const file = tempFile(
      JSON.stringify({
        schema_version: 1,
        scenarios: [
          {
            name: 'x',
            config: {},
            requests: [{ id: 0, t_ns: 'soon', op: 'read', bytes: 1 }],
            expected: { valid: true },
          },
        ],
      }),
    );
    expect(() => runConformance([file], () => {})).toThrow(
      `${file}: $.scenarios[0].requests[0].t_ns: expected an integer`,
    );
  });

  it('names the file of unreadable JSON', () => {
    const file = tempFile('{ not json');
    expect(() => runConformance([file], () => {})).toThrow(file);
  });
});
