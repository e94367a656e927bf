// `node --import <this file> …`: trace the ES modules a process loads (hooks.mjs), to check what a command loads.
import { register } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url));
