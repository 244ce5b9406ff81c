// The TDC panel: the SPEC + FMC TDC's five inputs (settings, pulse generator, noise), fault
// injection and driver mode, and the live views (driver counters, last timestamps, interval
// histogram, event log). The worker streams its data only while the panel is on screen.
import './tdc.css';
import { useEffect, useRef } from 'react';
import { formatClock } from '../format';
import { useLab } from '../store';
import { TdcChannelCard } from './tdc-channel-card';
import { tdcStream } from './tdc-client';
import { TdcCounters } from './tdc-counters';
import { TdcEventLog } from './tdc-event-log';
import { TdcExports } from './tdc-exports';
import { TdcFaultBar } from './tdc-fault-bar';
import { TdcHistogram } from './tdc-histogram';
import { TDC_CHANNELS } from './tdc-state';
import { TdcTimestamps } from './tdc-timestamps';

/** Streams while any part of the panel is within this margin of the viewport. */
const VISIBLE_MARGIN = '200px';

function useStreamWhileVisible(ref: React.RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let visible = false;
    const observer = new IntersectionObserver(
      (entries) => {
        const now = entries.some((e) => e.isIntersecting);
        if (now !== visible) {
          visible = now;
          tdcStream(now);
        }
      },
      { rootMargin: VISIBLE_MARGIN },
    );
    observer.observe(el);
    return () => {
      observer.disconnect();
      if (visible) tdcStream(false);
    };
  }, [ref]);
}

export function TdcPanel() {
  const ref = useRef<HTMLElement>(null);
  useStreamWhileVisible(ref);
  const absent = useLab((s) => s.tdc.absent);
  const nowNs = useLab((s) => s.tdc.nowNs);
  return (
    <section ref={ref} className="panel tdc-panel" aria-labelledby="tdc-title">
      <div className="tdc-head">
        <h2 id="tdc-title">TDC</h2>
        <span className="muted small">SPEC carrier (spec0) with an FMC TDC 1 ns 5 channels</span>
        <span className="muted small num">{nowNs > 0 ? `data at ${formatClock(nowNs)}` : ''}</span>
        <TdcExports />
      </div>
      {absent ? (
        <p className="muted">This lab has no TDC.</p>
      ) : (
        <>
          <TdcFaultBar />
          <div className="tdc-channels">
            {TDC_CHANNELS.map((c) => (
              <TdcChannelCard key={c} channel={c} />
            ))}
          </div>
          <div className="tdc-live">
            <TdcCounters />
            <TdcHistogram />
            <TdcTimestamps />
            <TdcEventLog />
          </div>
        </>
      )}
    </section>
  );
}
