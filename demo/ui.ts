// The page around the arena: status banner, Ready button, scoreboard, settings form, invite link
// and event log. Reads the state; user actions go out through the callbacks.
import { COLOR_NAMES, otherColor, SETTING_LIMITS, type Settings } from './protocol.js'
import type { DemoState } from './state.js'
import { newRoomName } from './room-name.js'
import { newRoomId } from '../support/room-id.js'

export interface UiActions {
  ready(): void
  saveSettings(settings: Settings): Promise<void>
}

export interface Ui {
  /** Re-renders from the state; cheap when nothing changed. */
  update(): void
  log(line: string): void
  /** The shared settings changed, here or on the peer. */
  settingsChanged(origin: 'local' | 'peer'): void
}

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id)
  if (!found) throw new Error(`#${id} is missing from index.html`)
  return found as T
}

// The UI re-renders ten times a second: write to the DOM only what changed.
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text
}

function setData(node: HTMLElement, name: string, value: string): void {
  if (node.dataset[name] !== value) node.dataset[name] = value
}

function setDisabled(node: HTMLButtonElement | HTMLInputElement, disabled: boolean): void {
  if (node.disabled !== disabled) node.disabled = disabled
}

function setValue(input: HTMLInputElement, value: number): void {
  if (input.value !== String(value)) input.value = String(value)
}

export function mountUi(state: DemoState, actions: UiActions): Ui {
  const banner = el('status')
  const readyButton = el<HTMLButtonElement>('ready')
  const form = el<HTMLFormElement>('settings-form')
  const fields = {
    speed: el<HTMLInputElement>('set-speed'),
    roundSeconds: el<HTMLInputElement>('set-round'),
    coins: el<HTMLInputElement>('set-coins'),
  }
  const note = el('settings-note')
  const logList = el('log')
  let formDirty = false

  for (const [name, input] of Object.entries(fields) as [keyof Settings, HTMLInputElement][]) {
    ;[input.min, input.max] = SETTING_LIMITS[name].map(String) as [string, string]
    input.addEventListener('input', () => {
      formDirty = true
      setText(el('speed-value'), fields.speed.value)
    })
  }
  readyButton.addEventListener('click', () => actions.ready())
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const settings: Settings = {
      speed: fields.speed.valueAsNumber,
      roundSeconds: fields.roundSeconds.valueAsNumber,
      coins: fields.coins.valueAsNumber,
    }
    note.textContent = 'Saving (write lock)…'
    actions.saveSettings(settings).then(
      () => (formDirty = false),
      (err: unknown) => (note.textContent = `Not saved: ${err instanceof Error ? err.message : String(err)}`),
    )
  })
  setupInvite(state.room, state.roomLabel)

  function showSettings(): void {
    if (formDirty) return
    setValue(fields.speed, state.settings.speed)
    setValue(fields.roundSeconds, state.settings.roundSeconds)
    setValue(fields.coins, state.settings.coins)
    setText(el('speed-value'), String(state.settings.speed))
  }

  function update(): void {
    const [text, tone] = statusLine(state)
    setText(banner, text)
    setData(banner, 'tone', tone)
    setData(document.body, 'connection', state.connection)
    const canReady = state.connection === 'connected' && state.phase === 'lobby' && !state.readyMe
    setDisabled(readyButton, !canReady)
    setText(readyButton, state.readyMe && state.phase === 'lobby' ? 'Ready ✓' : 'Ready')
    setText(el('game-message'), state.connection === 'connected' ? state.message : '')
    const peerReady = state.peerReadyRound === state.round && state.phase === 'lobby'
    setText(el('peer-ready'), peerReady ? `${COLOR_NAMES[otherColor(state.me)]} is ready` : '')
    setText(el('score-blue'), String(state.scores.blue))
    setText(el('score-amber'), String(state.scores.amber))
    setData(el('score-card'), 'me', state.connection === 'connected' ? state.me : '')
    setText(el('round-label'), state.round > 0 ? `Round ${state.round}` : '')
    setText(el('you-are'), state.connection === 'connected' ? `You are ${COLOR_NAMES[state.me]}` : '')
    setData(el('you-are'), 'color', state.me)
    renderPickups(state)
    const offline = state.connection !== 'connected'
    for (const input of [fields.speed, fields.roundSeconds, fields.coins, el<HTMLButtonElement>('save-settings')]) setDisabled(input, offline)
    showSettings()
  }

  return {
    update,
    log(line) {
      const item = document.createElement('li')
      const time = new Date().toLocaleTimeString([], { hour12: false })
      item.textContent = `${time}  ${line}`
      logList.prepend(item)
      while (logList.children.length > 40) logList.lastElementChild?.remove()
    },
    settingsChanged(origin) {
      note.textContent = origin === 'local' ? 'Saved. Applies from the next round.' : 'The other player changed the settings.'
      if (origin === 'peer') formDirty = false
      showSettings()
    },
  }
}

function statusLine(state: DemoState): [text: string, tone: 'info' | 'ok' | 'warn' | 'error'] {
  const loss = state.lastLoss
  switch (state.connection) {
    case 'waiting':
      return loss
        ? [`Connection lost: ${loss.message}. Waiting for a new player to join room “${state.roomLabel}”…`, 'warn']
        : [`Waiting for a second player in room “${state.roomLabel}”. Open the invite link in another tab or browser.`, 'info']
    case 'connecting':
      return [`${lost(loss)}A player joined the room: connecting (WebRTC)…`, 'info']
    case 'opening':
      return [`${lost(loss)}Connected: opening the netbeam session (handshake, clock sync)…`, 'info']
    case 'connected':
      return [`Connected. You are ${COLOR_NAMES[state.me]}.`, 'ok']
    case 'reconnecting':
      return ['Connection dropped: reconnecting… The game resumes where it was.', 'warn']
    case 'room-full':
      return [`Room “${state.roomLabel}” already has two players. Start a new room, or wait here for a free spot.`, 'error']
  }
}

function lost(loss: DemoState['lastLoss']): string {
  return loss ? `Connection lost: ${loss.message}. ` : ''
}

function renderPickups(state: DemoState): void {
  const list = el('pickups')
  const recent = state.pickups.slice(-8)
  const key = `${state.pickups.length}`
  if (list.dataset['key'] === key) return
  list.dataset['key'] = key
  list.replaceChildren(
    ...recent.map((p) => {
      const item = document.createElement('li')
      item.dataset['winner'] = p.winner ?? 'none'
      item.textContent = `Round ${p.round}, coin ${p.coin + 1}: ${p.winner ? COLOR_NAMES[p.winner] : 'time ran out'}`
      return item
    }),
  )
}

/** The invite link is this page's URL: the room's random id, its label and the page's options. */
function setupInvite(room: string, label: string): void {
  const url = new URL(location.href)
  url.searchParams.set('room', room)
  setText(el('room-name'), label)
  el('room-name').title = `room id ${room}`
  const open = el<HTMLAnchorElement>('open-second')
  open.href = url.toString()
  const copy = el<HTMLButtonElement>('copy-link')
  copy.addEventListener('click', () => {
    navigator.clipboard.writeText(url.toString()).then(
      () => setText(copy, 'Link copied ✓'),
      () => setText(copy, url.toString()),
    )
  })
  const fresh = new URLSearchParams({ room: newRoomId(), name: newRoomName() })
  el<HTMLAnchorElement>('new-room').href = `${location.pathname}?${fresh}`
}
