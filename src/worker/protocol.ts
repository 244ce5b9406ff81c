// Every message between the UI thread and the lab worker. (Filled in by the worker/UI work.)
export type ToWorker = { type: 'ping' };
export type FromWorker = { type: 'pong' };
