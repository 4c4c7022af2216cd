/**
 * Progress callbacks as the caller sees them: values never decrease, exactly one final value is
 * delivered before the promise resolves (native updates arriving after it are dropped), and a
 * callback that throws cannot break the work it reports on.
 */
export function progressGate<A extends unknown[]>(
  cb: ((value: number, ...rest: A) => void) | undefined, final: number, ...finalRest: A
): { native?: (value: number, ...rest: A) => void; finish(): void } {
  if (!cb) return { finish() {} };
  let last = -Infinity;
  let closed = false;
  const emit = (value: number, rest: A) => {
    if (closed || value < last) return;
    last = value;
    try { cb(value, ...rest); } catch { /* a throwing callback must not break the work */ }
  };
  return {
    native: (value, ...rest) => { if (value < final) emit(value, rest); },
    finish() { emit(final, finalRest); closed = true; },
  };
}
