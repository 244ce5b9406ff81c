// The IndustryPack rack: eight terminals, then the topology with its register inspector beside
// the bus trace.
import '../terminal/rack.css';
import { BusTracePanel } from './bus-trace-panel';
import { SerialPanel } from './serial-panel';
import { TopologyPanel } from './topology-panel';

export function SerialRackView() {
  return (
    <div className="rack-view">
      <SerialPanel />
      <div className="rack-tools">
        <TopologyPanel />
        <BusTracePanel />
      </div>
    </div>
  );
}
