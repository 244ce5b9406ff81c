// The IndustryPack rack: the guest selector (TypeScript or Linux), eight terminals, then the topology with its register inspector beside
// the bus trace.
import '../terminal/rack.css';
import { LinuxGuestPanel } from '../linux/linux-guest-panel';
import { BusTracePanel } from './bus-trace-panel';
import { SerialPanel } from './serial-panel';
import { TopologyPanel } from './topology-panel';

export function SerialRackView() {
  return (
    <div className="rack-view">
      <LinuxGuestPanel />
      <SerialPanel />
      <div className="rack-tools">
        <TopologyPanel />
        <BusTracePanel />
      </div>
    </div>
  );
}
