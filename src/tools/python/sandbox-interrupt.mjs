// The deadline interrupt of the Python sandbox, shared by its two threads (sandbox-process.mjs).
//
// Pyodide polls its interrupt buffer and clears it with a plain read and then a plain write
// (`result = buffer[0]; buffer[0] = 0` in CPython's emscripten_signal.c). A SIGINT that the supervisor
// stores between the two is overwritten and lost; on a loaded machine, where the Python thread can be
// descheduled between them, that happened about once in 25 deadlines, and the loop ran until the kill.
// So the supervisor stores SIGINT again every REASSERT_MS until the call ends. A second buffer, `phase`,
// says whether the user's code is running, and a store happens only while it is: the Python thread
// leaves the user's code (RUNNING → IDLE) only when no store is under way (SIGNALLING), so no late
// SIGINT can land in the reset that follows a call.
//
//   supervisor: interruptUntilDone(interrupt, phase)   at the deadline; returns a stop function
//   Python thread: enterUserCode(phase) … leaveUserCode(phase), then clear the interrupt and reset

export const SIGINT = 2;
export const IDLE = 0;
export const RUNNING = 1;
export const SIGNALLING = 2;
/** Time between two stores of SIGINT after the deadline, in ms. */
export const REASSERT_MS = 100;

/** Stores SIGINT now and every REASSERT_MS while the user's code runs; the returned function stops it. */
export function interruptUntilDone(interrupt, phase) {
  let timer;
  const tick = () => {
    if (Atomics.compareExchange(phase, 0, RUNNING, SIGNALLING) === RUNNING) {
      Atomics.store(interrupt, 0, SIGINT);
      Atomics.store(phase, 0, RUNNING);
    }
    timer = setTimeout(tick, REASSERT_MS);
  };
  tick();
  return () => clearTimeout(timer);
}

export function enterUserCode(phase) {
  Atomics.store(phase, 0, RUNNING);
}

/** Marks the user's code finished, waiting out a store that is under way (a few instructions). */
export function leaveUserCode(phase) {
  while (Atomics.compareExchange(phase, 0, RUNNING, IDLE) !== RUNNING) Atomics.wait(phase, 0, SIGNALLING, 1);
}
