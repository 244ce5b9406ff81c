// Exports the running lab's drives and limits as a QEMU command line, libvirt <iotune> XML or
// virsh blkdeviotune commands (x-export-config), to copy or download.
import { useState } from 'react';
import { qmp } from '../lab-client';

const FORMATS = [
  { format: 'qemu', label: 'QEMU command line', file: 'lab-qemu.txt' },
  { format: 'libvirt', label: 'libvirt <iotune> XML', file: 'lab-iotune.xml' },
  { format: 'virsh', label: 'virsh blkdeviotune', file: 'lab-virsh.sh' },
] as const;

export function LabExport() {
  const [text, setText] = useState('');
  const [file, setFile] = useState('lab.txt');
  const [status, setStatus] = useState<string>();

  const exportAs = async (f: (typeof FORMATS)[number]) => {
    const r = await qmp({ execute: 'x-export-config', arguments: { format: f.format } });
    if ('error' in r) {
      setStatus(r.error.desc);
      return;
    }
    setText(typeof r.return === 'string' ? r.return : JSON.stringify(r.return, null, 2));
    setFile(f.file);
    setStatus(undefined);
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setStatus('Copied.');
    } catch {
      setStatus('Copy failed: select the text and copy it by hand.');
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = file;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <section className="panel lab-export" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <div className="row">
        {FORMATS.map((f) => (
          <button key={f.format} type="button" onClick={() => exportAs(f)}>
            {f.label}
          </button>
        ))}
      </div>
      <textarea aria-label="Exported configuration" rows={6} readOnly spellCheck={false} value={text} />
      <div className="row">
        <button type="button" disabled={!text} onClick={copy}>
          Copy
        </button>
        <button type="button" disabled={!text} onClick={download}>
          Download
        </button>
        {status && (
          <span role="status" className="muted">
            {status}
          </span>
        )}
      </div>
    </section>
  );
}
