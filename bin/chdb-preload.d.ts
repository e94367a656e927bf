/** Types of chdb-preload.js (plain JavaScript: bin/tagpulse.js runs it before anything is compiled or loaded). */
export declare const PRELOAD_COMMANDS: ReadonlySet<string>;
export declare const VALUE_OPTIONS: ReadonlySet<string>;
export declare const CHDB_JS_MODULES: readonly string[];
export declare function preloadCommand(args: readonly string[]): string | undefined;
export declare function willOpenEmbeddedStore(args: readonly string[], env: Record<string, string | undefined>, cwd?: string): boolean;
export declare function preloadChdb(root: string, args?: readonly string[], env?: Record<string, string | undefined>): boolean;
