// The rack as the guest's buses see it: PCI bus 0 → TPCI200 → slots A–D → IP-Octal → channels
// (→ their terminals), and the SPEC + TDC when the lab has one. A tree (arrow keys move, Enter
// or a click selects); the selected node's live registers are decoded beside it.
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import type { TopologyNode } from '../../worker/serial-protocol';
import { useLab } from '../store';
import { inspectNode } from '../terminal/rack-client';

interface Flat {
  node: TopologyNode;
  depth: number;
}

function flatten(nodes: TopologyNode[], depth = 1, out: Flat[] = []): Flat[] {
  for (const node of nodes) {
    out.push({ node, depth });
    flatten(node.children, depth + 1, out);
  }
  return out;
}

export function TopologyPanel() {
  const roots = useLab((s) => s.rack.topology);
  const registers = useLab((s) => s.rack.registers);
  const flat = useMemo(() => flatten(roots), [roots]);
  const [selected, setSelected] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const items = useRef<(HTMLDivElement | null)[]>([]);

  useEffect(() => {
    inspectNode(selected);
  }, [selected]);
  useEffect(() => () => inspectNode(null), []);
  useEffect(() => {
    if (selected && !flat.some((f) => f.node.id === selected)) setSelected(null);
  }, [flat, selected]);

  const move = (i: number) => {
    const next = Math.max(0, Math.min(flat.length - 1, i));
    setActive(next);
    items.current[next]?.focus();
  };
  const onKey = (e: KeyboardEvent, i: number) => {
    switch (e.key) {
      case 'ArrowDown':
        move(i + 1);
        break;
      case 'ArrowUp':
        move(i - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(flat.length - 1);
        break;
      case 'Enter':
      case ' ':
        setSelected(flat[i].node.id);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const node = flat.find((f) => f.node.id === selected)?.node;
  const rows = registers && registers.node === selected ? registers.rows : [];
  return (
    <section className="panel rack-card topology-panel" aria-labelledby="topology-title">
      <div className="panel-head">
        <h2 id="topology-title">Topology</h2>
        <span className="muted small">select a node to see its live registers</span>
      </div>
      <div className="topology-body">
        <div role="tree" aria-label="rack topology" className="topology-tree">
          {flat.map((f, i) => (
            <div
              key={f.node.id}
              ref={(el) => {
                items.current[i] = el;
              }}
              role="treeitem"
              aria-level={f.depth}
              aria-selected={f.node.id === selected}
              tabIndex={i === active ? 0 : -1}
              style={{ paddingLeft: `${(f.depth - 1) * 16 + 6}px` }}
              onClick={() => {
                setActive(i);
                setSelected(f.node.id);
              }}
              onKeyDown={(e) => onKey(e, i)}
              title={f.node.detail}
            >
              {f.node.label}
            </div>
          ))}
        </div>
        <div className="register-view" aria-live="off">
          {!node && <p className="muted small">Nothing selected.</p>}
          {node && (
            <>
              <h3>{node.label}</h3>
              <p className="muted small">{node.detail}</p>
              {node.port !== undefined && (
                <button type="button" onClick={() => focusTerminal(node.port as number)}>
                  go to terminal {node.port}
                </button>
              )}
              <table className="register-table" aria-label={`${node.label} registers`}>
                <thead>
                  <tr>
                    <th scope="col">register</th>
                    <th scope="col" className="num">
                      value
                    </th>
                    <th scope="col">fields</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.name} title={r.note}>
                      <th scope="row">{r.name}</th>
                      <td className="num">
                        0x{(r.value >>> 0).toString(16).padStart(Math.min(r.width, 4) * 2, '0')}
                      </td>
                      <td>
                        {r.fields}
                        {r.note && <span className="muted"> · {r.note}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      </div>
    </section>
  );
}

function focusTerminal(port: number): void {
  const region = document.querySelector<HTMLElement>(`[aria-label="port ${port} terminal"]`);
  region?.scrollIntoView({ block: 'center' });
  region?.querySelector<HTMLTextAreaElement>('textarea')?.focus();
}
