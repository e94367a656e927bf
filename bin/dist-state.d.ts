/** Types of dist-state.js (plain JavaScript so bin/tagpulse.js can check the build before anything is compiled). */
export declare const STAMP: string;
export declare function distState(root: string): 'current' | 'missing' | 'stale';
