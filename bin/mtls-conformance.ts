#!/usr/bin/env node
// reflect-metadata must be loaded before @peculiar/x509 is first imported (see NODE20-NOTES.md).
import 'reflect-metadata';
import { main } from '../lib/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
