// Links to the page's panels, under the header (the page is long: groups, disks, rack, TDC, tools).

const SECTIONS: [string, string][] = [
  ['throttle-title', 'Throttle groups'],
  ['disks-title', 'Disks'],
  ['serial-title', 'Serial'],
  ['topology-title', 'Topology'],
  ['trace-title', 'Bus trace'],
  ['tdc-title', 'TDC'],
  ['latency-title', 'Latency'],
  ['qmp-title', 'QMP console'],
  ['import-title', 'Import'],
  ['export-title', 'Export'],
];

/** settleOn() watches at most this many frames, and stops after STILL_FRAMES without a move. */
const SETTLE_FRAMES = 30;
const STILL_FRAMES = 3;

/**
 * After the link's own jump: panels out of view are not laid out (content-visibility: auto), so
 * the jump used their estimated heights, and the panels it brings near the screen then take their
 * real ones, which moves the heading (scroll anchoring keeps some other node in place). Scroll it
 * back into place each frame until it has stayed put for a few frames.
 */
function settleOn(id: string, framesLeft = SETTLE_FRAMES, still = 0): void {
  requestAnimationFrame(() => {
    const heading = document.getElementById(id);
    if (!heading) return;
    const before = heading.getBoundingClientRect().top;
    heading.scrollIntoView({ block: 'start' });
    const stillNow = heading.getBoundingClientRect().top === before ? still + 1 : 0;
    if (framesLeft > 1 && stillNow < STILL_FRAMES) settleOn(id, framesLeft - 1, stillNow);
  });
}

export function SectionNav() {
  return (
    <nav aria-label="Sections" className="section-nav">
      {SECTIONS.map(([id, label]) => (
        <a key={id} href={`#${id}`} onClick={() => settleOn(id)}>
          {label}
        </a>
      ))}
    </nav>
  );
}
