/** True when this process sees no network interface but loopback. */
export function loopbackOnlyNetwork(): boolean

/** True when a loopback-only namespace can be entered here (probed, not guessed). */
export function canEnterLoopbackNamespace(): boolean

/** True when a loopback-only namespace can be entered and NETBEAM_NO_NETNS is not set. */
export function canIsolate(): boolean

/** `cmd` wrapped to run in a fresh loopback-only namespace. */
export function isolated(cmd: string[]): string[]
