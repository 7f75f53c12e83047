export { main as demoMain } from './cli.js';
