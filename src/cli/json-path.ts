// The `path` of an `expect` step (automation.md §3): dots for fields, `[N]` for an index,
// `[key=value]` for the array element whose field equals value. Example: "[name=foo].iops".

export type PathSegment =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'select'; key: string; value: string };

/** Parses a path; throws an Error describing the first bad character. "" selects the whole value. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) throw new Error(`unclosed "[" at character ${i + 1}`);
      const inner = path.slice(i + 1, end);
      const eq = inner.indexOf('=');
      if (/^\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else if (eq > 0) segments.push({ kind: 'select', key: inner.slice(0, eq), value: inner.slice(eq + 1) });
      else throw new Error(`expected [N] or [key=value] at character ${i + 1}`);
      i = end + 1;
    } else if (c === '.') {
      if (i === 0 || i + 1 >= path.length || path[i + 1] === '.' || path[i + 1] === '[') {
        throw new Error(`misplaced "." at character ${i + 1}`);
      }
      i++;
    } else {
      let j = i;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') {
        if (path[j] === ']') throw new Error(`unexpected "]" at character ${j + 1}`);
        j++;
      }
      segments.push({ kind: 'field', name: path.slice(i, j) });
      i = j;
    }
  }
  return segments;
}

function segmentText(seg: PathSegment): string {
  if (seg.kind === 'field') return `.${seg.name}`;
  if (seg.kind === 'index') return `[${seg.index}]`;
  return `[${seg.key}=${seg.value}]`;
}

/** Picks the value at path; throws an Error naming the segment that did not match. */
export function pickPath(value: unknown, path: string): unknown {
  let cur = value;
  let where = '';
  for (const seg of parsePath(path)) {
    where += segmentText(seg);
    if (seg.kind === 'field') {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !(seg.name in cur)) {
        throw new Error(`${where}: no such field`);
      }
      cur = (cur as Record<string, unknown>)[seg.name];
    } else if (!Array.isArray(cur)) {
      throw new Error(`${where}: not an array`);
    } else if (seg.kind === 'index') {
      if (seg.index >= cur.length) throw new Error(`${where}: index out of range (length ${cur.length})`);
      cur = cur[seg.index];
    } else {
      const found = cur.find(
        (el) =>
          typeof el === 'object' &&
          el !== null &&
          seg.key in el &&
          String((el as Record<string, unknown>)[seg.key]) === seg.value,
      );
      if (found === undefined) throw new Error(`${where}: no element with ${seg.key}=${seg.value}`);
      cur = found;
    }
  }
  return cur;
}
