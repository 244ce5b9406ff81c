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

export function SectionNav() {
  return (
    <nav aria-label="Sections" className="section-nav">
      {SECTIONS.map(([id, label]) => (
        <a key={id} href={`#${id}`}>
          {label}
        </a>
      ))}
    </nav>
  );
}
