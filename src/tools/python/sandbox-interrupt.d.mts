/** Types of sandbox-interrupt.mjs (plain JavaScript: the sandbox process runs without a TypeScript loader). */
export const SIGINT: 2;
export const IDLE: 0;
export const RUNNING: 1;
export const SIGNALLING: 2;
export const REASSERT_MS: number;
export function interruptUntilDone(interrupt: Int32Array, phase: Int32Array): () => void;
export function enterUserCode(phase: Int32Array): void;
export function leaveUserCode(phase: Int32Array): void;
