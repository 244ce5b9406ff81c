// The UI's end of the Linux-guest protocol: routes its items (console bytes to the console hub,
// the rest to the store) and turns the selector's choices into messages.
import type { GuestKind, LinuxItem, LinuxStart } from '../../worker/linux-protocol';
import { send } from '../lab-client';
import { useLab } from '../store';
import { receiveConsole, resetConsole, setConsoleSender } from './console-hub';
import { applyProgress } from './linux-state';

setConsoleSender((data) => send({ kind: 'consoleInput', data }));

export function routeLinuxItem(item: LinuxItem): void {
  const store = useLab.getState();
  switch (item.kind) {
    case 'linuxConsole':
      receiveConsole(item.bytes);
      break;
    case 'linuxImage':
      store.setLinux({ image: item.image });
      break;
    case 'linuxProgress':
      store.setLinux((s) => applyProgress(s, item));
      break;
  }
}

/** Asks the worker whether the guest image is built. */
export const probeLinuxImage = () => send({ kind: 'linuxProbe' });

/** Switches the guest driving the IP-Octal ports. */
export function selectGuest(guest: GuestKind, from: LinuxStart = 'snapshot'): void {
  if (guest === 'linux') resetConsole();
  // The selector shows the choice at once; the worker's progress items follow.
  useLab
    .getState()
    .setLinux((s) =>
      guest === 'linux'
        ? { ...s, phase: 'downloading', from, loaded: 0, total: 0, message: undefined }
        : { ...s, guest: 'ts', phase: 'idle', message: undefined },
    );
  send({ kind: 'selectGuest', guest, from });
}
