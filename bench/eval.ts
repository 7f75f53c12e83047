/**
 * The detection evaluation in one command: catalogs (published, our own, harvested real servers) and
 * sessions (our own, the InjecAgent-derived ones), recall and false positives at medium+ per corpus
 * and per threat class, the `tune` and `holdout` splits of bench/eval-split.ts apart, and the CPU
 * cost per text and per event. The corpora under ../shared/corpora are read in place.
 * Usage: npm run eval [-- --verbose]   (node --import tsx bench/eval.ts)
 */
import { evaluateCatalogs, formatTable } from './eval-corpus.js';
import { evaluateSessions, formatSessionResults } from './eval-sessions.js';

const verbose = process.argv.includes('--verbose');
console.log('== catalogs (catalog lint, every catalog detector; medium+ is a finding)');
console.log(formatTable(await evaluateCatalogs()));
console.log('\n== sessions (replayed through extraction and every detector; medium+ is an alert)');
console.log(formatSessionResults(evaluateSessions(), verbose));
