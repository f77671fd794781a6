// The CODE section of the catalog as a mocha spec file (see lib/runner/describe-section.ts).
import 'reflect-metadata';
import { describeSection } from '../lib/runner/describe-section.js';

describeSection('CODE');
