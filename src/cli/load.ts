// Reads a JSON or YAML file (by extension) for the CLI. Errors name the file.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** Bad command-line input: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function loadDataFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  if (/\.ya?ml$/i.test(file)) {
    try {
      return parseYaml(text);
    } catch (e) {
      throw new UsageError(`${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: invalid JSON: ${(e as Error).message}`);
  }
}
