#!/usr/bin/env node
import { launch } from '../lib/cli/launch.js';

process.exitCode = await launch(process.argv.slice(2));
