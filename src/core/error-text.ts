import { MAX_TEXT_LENGTH } from './wire-checks.js'

/** An error's name and message as they travel to the peer. */
export interface ErrorText {
  name: string
  message: string
}

/** The name and message of anything thrown, clipped to what the peer accepts. */
export function describeError(error: unknown): ErrorText {
  try {
    const named = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : 'Error'
    const message = error instanceof Error ? error.message : String(error)
    return { name: named.slice(0, MAX_TEXT_LENGTH), message: String(message).slice(0, MAX_TEXT_LENGTH) }
  } catch {
    // A hostile toString must not break the protocol; the peer still learns that we failed.
    return { name: 'Error', message: 'an error that could not be described' }
  }
}
