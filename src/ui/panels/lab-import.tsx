// Builds a new lab from a pasted QEMU command line (-drive / -device / -object throttle-group).
// On error the message is shown and the running lab stays.
import { useState } from 'react';
import { loadLab } from '../lab-client';

const EXAMPLE =
  '-drive if=virtio,file=disk1.qcow2,throttling.iops-total=500,throttling.group=g1 ' +
  '-drive if=virtio,file=disk2.qcow2,throttling.iops-total=500,throttling.group=g1';

export function LabImport() {
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = async (which: 'qemu' | 'default') => {
    setBusy(true);
    const err = await loadLab(which === 'default' ? 'default' : { qemu: text });
    setBusy(false);
    setError(err);
    setNotice(
      err ? undefined : which === 'default' ? 'Default lab loaded.' : 'Lab built from the command line.',
    );
  };

  return (
    <section className="panel lab-import" aria-labelledby="import-title">
      <h2 id="import-title">Import a QEMU command line</h2>
      <label className="stack">
        <span>QEMU arguments</span>
        <textarea
          aria-label="QEMU command line"
          rows={4}
          spellCheck={false}
          placeholder={EXAMPLE}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <div className="row">
        <button type="button" disabled={busy || !text.trim()} onClick={() => load('qemu')}>
          Load command line
        </button>
        <button type="button" disabled={busy} onClick={() => load('default')}>
          Load default lab
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error} <span className="muted">(the previous lab keeps running)</span>
        </p>
      )}
      {notice && (
        <p className="ok" role="status">
          {notice}
        </p>
      )}
    </section>
  );
}
