// Room ids for invite links. The relay pairs whoever names the same room, so the id is the only
// thing between a waiting player and a stranger: 128 bits from the platform's CSPRNG (browsers,
// and Node >= 20 through globalThis.crypto), written as 22 base64url characters.

/**
 * Room ids the relay accepts: ids from newRoomId, and names people choose. The relay cannot tell
 * the two apart; only a random id makes a room hard to find.
 */
export const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/

/** Random bytes in a room id; 16 bytes = 128 bits, above the 96 the relay's threat model asks. */
export const ROOM_ID_BYTES = 16

/** What newRoomId returns: 22 characters of the base64url alphabet. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

/** A fresh unguessable room id, e.g. `q3Xc0fV1mR8sYb2LwZ9tHA`. */
export function newRoomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(ROOM_ID_BYTES))
  const binary = String.fromCharCode(...bytes)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
