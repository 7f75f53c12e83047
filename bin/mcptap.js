#!/usr/bin/env node
// Launcher: runs the compiled dist/ when `npm run build` made it from the sources as they are now
// (bin/build-stamp.js), otherwise the TypeScript sources through tsx, so there is no build step to
// forget and no stale build to run. tsx costs ~90 MiB of `mcptap local`'s resident memory at rest
// (bench/RESULTS.md). MCPTAP_RUNTIME=tsx forces the sources; MCPTAP_RUNTIME=compiled forces dist/ and
// fails when it is missing or stale.
import { staleReason } from './build-stamp.js';

const runtime = process.env.MCPTAP_RUNTIME || 'auto';
if (!['auto', 'compiled', 'tsx'].includes(runtime)) {
  console.error(`MCPTAP_RUNTIME=${runtime}: expected auto, compiled or tsx`);
  process.exit(2);
}
const stale = runtime === 'tsx' ? 'MCPTAP_RUNTIME=tsx' : staleReason();
if (stale === undefined) {
  await import('../dist/cli/mcptap.js');
} else if (runtime === 'compiled') {
  console.error(`MCPTAP_RUNTIME=compiled, but ${stale}`);
  process.exit(1);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/mcptap.ts');
}
