export interface FoundChromium {
  path: string
  /** Where it came from: `$CHROMIUM_PATH`, `system`, `playwright download`, or how it was installed. */
  source: string
}

/** Looks for a Chromium without installing; throws if an env var names a non-executable file. */
export function findChromium(env?: NodeJS.ProcessEnv): FoundChromium | undefined

/** Returns a usable Chromium, installing one (apt-get as root, else Playwright's download) if none is present. */
export function ensureChromium(): FoundChromium & { installed: boolean; installMs: number }
