export type ServiceEnd = 'signal' | 'failure';

/**
 * A long-running service's end: SIGINT/SIGTERM (a clean stop, exit 0) or a failure it cannot
 * recover from (`fail`, exit 1 so that its supervisor restarts it).
 */
export function serviceLifetime(): { ended: Promise<ServiceEnd>; fail(): void } {
  let end!: (why: ServiceEnd) => void;
  const ended = new Promise<ServiceEnd>((resolve) => (end = resolve));
  const onSignal = () => end('signal');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  void ended.then(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  return { ended, fail: () => end('failure') };
}
