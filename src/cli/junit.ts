// JUnit XML for CI systems (`device-lab run --junit FILE`): one testsuite per scenario file,
// one testcase per check.
import type { CheckResult } from './scenario-runner';

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\p{Cc}/gu, (c) => (c === '\n' || c === '\t' ? c : ''));
}

export interface SuiteResult {
  file: string;
  results: CheckResult[];
  wallS: number;
}

export function toJunit(suites: readonly SuiteResult[]): string {
  const total = suites.reduce((n, s) => n + s.results.length, 0);
  const failed = suites.reduce((n, s) => n + s.results.filter((r) => !r.passed).length, 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites name="device-lab" tests="${total}" failures="${failed}">`);
  for (const s of suites) {
    const f = s.results.filter((r) => !r.passed).length;
    const name = s.results[0]?.scenario ?? s.file;
    lines.push(
      `  <testsuite name="${esc(name)}" file="${esc(s.file)}" tests="${s.results.length}" failures="${f}" time="${s.wallS.toFixed(3)}">`,
    );
    for (const r of s.results) {
      const title = r.step >= 0 ? `step ${r.step + 1}: ${r.title}` : r.title;
      const open = `    <testcase classname="${esc(s.file)}" name="${esc(title)}"`;
      if (r.passed) lines.push(`${open}/>`);
      else lines.push(`${open}>`, `      <failure message="${esc(r.detail)}"/>`, '    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
