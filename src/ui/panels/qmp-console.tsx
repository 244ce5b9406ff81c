// A QMP console: JSON in (or a bare command name), pretty JSON out, history on ↑/↓.
import { type KeyboardEvent, useState } from 'react';
import type { QmpCommand } from '../../worker/protocol';
import { qmp } from '../lab-client';

/** Parses the console input: `{"execute": ...}` JSON, or a bare command name. */
export function parseConsoleInput(text: string): QmpCommand | string {
  const t = text.trim();
  if (!t) return 'Type a QMP command';
  if (!t.startsWith('{')) return { execute: t };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    return `Invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (!v || typeof v !== 'object' || typeof (v as QmpCommand).execute !== 'string')
    return 'Expected an object with "execute" (and optional "arguments")';
  return v as QmpCommand;
}

export function QmpConsole() {
  const [text, setText] = useState('{"execute": "x-query-throttle-groups"}');
  const [history, setHistory] = useState<string[]>([]);
  const [cursor, setCursor] = useState(-1);
  const [output, setOutput] = useState('');

  const submit = async () => {
    const cmd = parseConsoleInput(text);
    if (typeof cmd === 'string') {
      setOutput(cmd);
      return;
    }
    setHistory((h) => [...h.filter((x) => x !== text), text].slice(-50));
    setCursor(-1);
    setOutput(JSON.stringify(await qmp(cmd), null, 2));
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    const ta = e.currentTarget;
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      submit();
    } else if (
      e.key === 'ArrowUp' &&
      !ta.value.slice(0, ta.selectionStart).includes('\n') &&
      history.length > 0
    ) {
      e.preventDefault();
      const next = cursor < 0 ? history.length - 1 : Math.max(0, cursor - 1);
      setCursor(next);
      setText(history[next]);
    } else if (e.key === 'ArrowDown' && !ta.value.slice(ta.selectionEnd).includes('\n') && cursor >= 0) {
      e.preventDefault();
      const next = cursor + 1;
      setCursor(next < history.length ? next : -1);
      setText(next < history.length ? history[next] : '');
    }
  };

  return (
    <section className="panel qmp-console" aria-labelledby="qmp-title">
      <h2 id="qmp-title">QMP console</h2>
      <label className="stack">
        <span>
          Command{' '}
          <span className="muted small">
            (Enter sends, Shift+Enter new line, ↑/↓ on the first/last line: history)
          </span>
        </span>
        <textarea
          aria-label="QMP command"
          rows={3}
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
      </label>
      <button type="button" onClick={submit}>
        Send
      </button>
      <figure className="qmp-output-box" aria-label="QMP response">
        <pre className="qmp-output">{output}</pre>
      </figure>
    </section>
  );
}
