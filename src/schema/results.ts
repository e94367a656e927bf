/**
 * Pipeline step results. A step returns ok / drop(reason) / fail(kind); a throw means "retry me".
 */
import type { FailureKind } from './failure.ts';

export type StepResult<T> =
  | { type: 'ok'; value: T }
  | { type: 'drop'; reason: string; detail?: string }
  | { type: 'fail'; kind: FailureKind; message: string };

export const ok = <T>(value: T): StepResult<T> => ({ type: 'ok', value });
export const drop = <T = never>(reason: string, detail?: string): StepResult<T> => ({ type: 'drop', reason, ...(detail ? { detail } : {}) });
export const fail = <T = never>(kind: FailureKind, message: string): StepResult<T> => ({ type: 'fail', kind, message });
