// Keyboard input: arrow keys or WASD move, Enter or Space presses Ready. Keys typed into the
// settings form are the form's, not the game's.

const DIRECTIONS: Record<string, readonly [dx: number, dy: number]> = {
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  KeyW: [0, -1],
  KeyS: [0, 1],
  KeyA: [-1, 0],
  KeyD: [1, 0],
}

function isFormField(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement
}

export interface Input {
  /** The direction the held keys point to (not normalised; 0,0 when none). */
  direction(): { dx: number; dy: number }
  /** Called when Enter or Space is pressed outside the form. */
  onReadyKey(listener: () => void): void
}

export function createInput(target: Window = window): Input {
  const held = new Set<string>()
  const readyListeners: (() => void)[] = []
  target.addEventListener('keydown', (event) => {
    if (isFormField(event.target) || event.ctrlKey || event.metaKey || event.altKey) return
    if (event.code in DIRECTIONS) {
      held.add(event.code)
      event.preventDefault()
    } else if ((event.code === 'Enter' || event.code === 'Space') && !event.repeat) {
      event.preventDefault()
      for (const listener of readyListeners) listener()
    }
  })
  target.addEventListener('keyup', (event) => held.delete(event.code))
  // A key released while the page was in the background never sends keyup.
  target.addEventListener('blur', () => held.clear())
  return {
    direction() {
      let dx = 0
      let dy = 0
      for (const code of held) {
        const d = DIRECTIONS[code]
        if (d) {
          dx += d[0]
          dy += d[1]
        }
      }
      return { dx, dy }
    },
    onReadyKey(listener) {
      readyListeners.push(listener)
    },
  }
}
