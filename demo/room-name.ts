// The readable half of an invite link: a label such as "amber-comet-42" that tells people which
// room they are in. It is only a label: the relay pairs by the random id next to it in the link
// (support/room-id.ts), since a name from a space this small is found by trying them all.

/** The label's words (exported for the relay test's scanner, which tries every label). */
export const ROOM_NAME_WORDS = ['amber', 'blue', 'comet', 'delta', 'ember', 'fjord', 'glade', 'harbor', 'iris', 'jade', 'koi', 'lumen']
/** Letters, digits, spaces and a few marks; anything else in `?name=` is ignored. */
const LABEL = /^[\p{L}\p{N} _.-]{1,40}$/u

/** A short, readable label: word-word-number. */
export function newRoomName(): string {
  const [a = 0, b = 0, n = 0] = crypto.getRandomValues(new Uint8Array(3))
  return `${ROOM_NAME_WORDS[a % ROOM_NAME_WORDS.length]}-${ROOM_NAME_WORDS[b % ROOM_NAME_WORDS.length]}-${n % 100}`
}

/** The label from the link's `name`, or the room id itself when there is none (or it is odd). */
export function roomLabel(name: string | null, room: string): string {
  return name !== null && LABEL.test(name) ? name : room
}
