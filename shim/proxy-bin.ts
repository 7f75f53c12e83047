#!/usr/bin/env node
// The `mcptap-proxy` command of the @mcptap/shim package (the whole product runs `mcptap proxy`).
import { main } from './proxy-cli.js';

process.exitCode = await main(process.argv.slice(2));
