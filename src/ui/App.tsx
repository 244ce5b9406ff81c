// The lab's page: header (clock, speed), throttle groups, disks, latency, and the tools
// (QMP console, import, export). The lab's own panels remount when a new lab loads.
import { useEffect } from 'react';
import { connectLab } from './lab-client';
import { DisksPanel } from './panels/disks-panel';
import { LabExport } from './panels/lab-export';
import { LabHeader } from './panels/lab-header';
import { LabImport } from './panels/lab-import';
import { LatencyPanel } from './panels/latency-panel';
import { QmpConsole } from './panels/qmp-console';
import { SerialRackView } from './panels/serial-rack-view';
import { TdcPanel } from './panels/tdc-panel';
import { ThrottlePanel } from './panels/throttle-panel';
import { useLab } from './store';

export function App() {
  useEffect(() => connectLab(), []);
  const generation = useLab((s) => s.generation);
  const workerError = useLab((s) => s.workerError);
  return (
    <>
      <LabHeader />
      {workerError && (
        <p role="alert" className="error banner">
          {workerError}
        </p>
      )}
      <main>
        <div key={generation} className="lab-view">
          <ThrottlePanel />
          <DisksPanel />
          <SerialRackView />
          <TdcPanel />
        </div>
        <div className="tools">
          <LatencyPanel />
          <QmpConsole />
          <LabImport />
          <LabExport />
        </div>
      </main>
    </>
  );
}
