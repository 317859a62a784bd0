// Types for worker-path.mjs (plain JS so the bootstrap can use it before TypeScript runs).
export declare const BUILD_DIR: string;
export declare const PLUGIN_DIR: string;
export declare function recipeFiles(): string[];
export declare function recipeHash(): string;
export declare function mediasoupDir(): string | null;
export declare function mediasoupVersion(): string | null;
export declare function workerCacheRoot(): string;
export declare function workerCacheKey(): string | null;
export declare function cachedWorkerPath(): string | null;
