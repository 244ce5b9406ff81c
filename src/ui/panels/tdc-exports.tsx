// Exports of the newest timestamps (up to 1024 per channel): CSV, and the pulses behind them as VCD.
import { useState } from 'react';
import { useLab } from '../store';
import { requestTdcExport } from './tdc-client';
import { download, timestampsCsv, timestampsVcd } from './tdc-state';

export function TdcExports() {
  const [busy, setBusy] = useState(false);
  const save = async (format: 'csv' | 'vcd') => {
    setBusy(true);
    try {
      const channels = await requestTdcExport();
      if (format === 'csv') download('tdc-timestamps.csv', timestampsCsv(channels), 'text/csv');
      else download('tdc-pulses.vcd', timestampsVcd(channels, useLab.getState().tdc.widthsNs), 'text/plain');
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="tdc-exports">
      <button type="button" disabled={busy} onClick={() => save('csv')}>
        export timestamps as CSV
      </button>
      <button type="button" disabled={busy} onClick={() => save('vcd')}>
        export pulses as VCD
      </button>
    </span>
  );
}
