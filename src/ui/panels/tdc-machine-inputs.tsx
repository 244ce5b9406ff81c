// Inputs that show the machine's value and send a command when changed: a checkbox that shows
// the chosen value until the machine reports it, and a number field applied on Enter or blur.
// The accessible name is `name` exactly (a hidden prefix such as "channel 1" plus the visible text).
import { type ReactNode, useEffect, useState } from 'react';

type Send<T> = (value: T) => Promise<string | undefined>;

/** "channel 1 termination": the prefix is read by screen readers, `text` is shown. */
export function NamePrefix({ prefix, children }: { prefix: string; children: ReactNode }) {
  return (
    <>
      <span className="visually-hidden">{prefix} </span>
      {children}
    </>
  );
}

export function MachineCheckbox(props: {
  prefix: string;
  text: string;
  value: boolean | undefined;
  onSet: Send<boolean>;
  onError(message: string | undefined): void;
}) {
  const { value, onSet, onError } = props;
  const [pending, setPending] = useState<boolean>();
  useEffect(() => {
    if (pending !== undefined && value === pending) setPending(undefined);
  }, [value, pending]);
  return (
    <label className="tdc-check">
      <input
        type="checkbox"
        checked={pending ?? value ?? false}
        disabled={value === undefined}
        onChange={async (e) => {
          const next = e.target.checked;
          setPending(next);
          const err = await onSet(next);
          if (err) setPending(undefined);
          onError(err);
        }}
      />
      <NamePrefix prefix={props.prefix}>{props.text}</NamePrefix>
    </label>
  );
}

/** A number field showing the machine's value until edited; Enter or leaving it applies. */
export function MachineNumber(props: {
  prefix: string;
  text: string;
  unit: string;
  value: number | undefined;
  onSet: Send<number>;
  onError(message: string | undefined): void;
}) {
  const { value, onSet, onError } = props;
  const [draft, setDraft] = useState<string>();
  const [invalid, setInvalid] = useState(false);
  const apply = async () => {
    if (draft === undefined) return;
    const n = Number(draft);
    if (draft.trim() === '' || !Number.isFinite(n)) {
      setInvalid(true);
      onError(`${props.text} must be a number`);
      return;
    }
    const err = await onSet(n);
    setInvalid(err !== undefined);
    onError(err);
    if (!err) setDraft(undefined);
  };
  return (
    <label className="tdc-field">
      <span>
        <NamePrefix prefix={props.prefix}>{props.text}</NamePrefix>
      </span>
      <span className="tdc-input-unit">
        <input
          type="text"
          aria-label={`${props.prefix} ${props.text}`}
          inputMode="numeric"
          value={draft ?? (value === undefined ? '' : String(value))}
          aria-invalid={invalid}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={apply}
          onKeyDown={(e) => {
            if (e.key === 'Enter') apply();
            if (e.key === 'Escape') setDraft(undefined);
          }}
        />
        <span className="muted small">{props.unit}</span>
      </span>
    </label>
  );
}

/** A plain local number field (generator settings): the name is `prefix text`. */
export function LocalNumber(props: {
  prefix: string;
  text: string;
  /** Visible text when shorter than `text` (the accessible name stays `prefix text`). */
  shown?: string;
  unit: string;
  value: string;
  disabled?: boolean;
  invalid?: boolean;
  onChange(value: string): void;
}) {
  return (
    <label className="tdc-field">
      <span>{props.shown ?? props.text}</span>
      <span className="tdc-input-unit">
        <input
          type="text"
          aria-label={`${props.prefix} ${props.text}`}
          inputMode="decimal"
          value={props.value}
          disabled={props.disabled}
          aria-invalid={props.invalid === true}
          onChange={(e) => props.onChange(e.target.value)}
        />
        <span className="muted small">{props.unit}</span>
      </span>
    </label>
  );
}

/** A channel chooser (1..5, optionally "all" as 0) named `name`, with the visible word "channel". */
export function ChannelSelect(props: {
  name: string;
  value: number;
  all?: boolean;
  onChange(ch: number): void;
}) {
  return (
    <label className="inline">
      <span>channel</span>
      <select
        aria-label={props.name}
        value={props.value}
        onChange={(e) => props.onChange(Number(e.target.value))}
      >
        {props.all && <option value={0}>all</option>}
        {[1, 2, 3, 4, 5].map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A view's title with controls at its right. */
export function ViewHead(props: { id: string; title: string; children: ReactNode }) {
  return (
    <div className="tdc-view-head">
      <h3 id={props.id}>{props.title}</h3>
      {props.children}
    </div>
  );
}

export interface CommandStatus {
  error?: string;
  text?: string;
}

/** What the last command did: a short note, or its error as an alert. */
export function StatusNote({ status }: { status: CommandStatus }) {
  return status.text ? <span className="muted small">{status.text}</span> : null;
}

export function StatusError({ status }: { status: CommandStatus }) {
  return status.error ? (
    <p role="alert" className="error">
      {status.error}
    </p>
  ) : null;
}
