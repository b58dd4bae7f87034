// netbeam arena: a two-player coin race over one WebRTC data channel. This file wires the page:
// find an opponent in the room, play until the session ends, then wait for the next opponent.
import type { Session } from 'netbeam'
import { playRounds } from './game.js'
import { installHook } from './hook.js'
import { createInput } from './input.js'
import { Motion } from './motion.js'
import { describeError, describeLoss, findOpponent, type Match } from './net.js'
import { NetPanel } from './panel.js'
import { Reconnector } from './reconnect.js'
import { startArena } from './render.js'
import { openShared, PositionStream, receiveMessages, saveSettings, type Shared } from './shared.js'
import { COUNTDOWN_MS, QUICK_COUNTDOWN_MS } from './start.js'
import { initialState, resetForNewSession } from './state.js'
import { ReadyGate } from './ready-gate.js'
import { mountUi } from './ui.js'
import { newRoomName, roomLabel } from './room-name.js'
import { newRoomId, ROOM_NAME } from '../support/room-id.js'
import { serveMatchStats, wirePeerStatsButton } from './peer-stats.js'

/** `?quick` (the browser tests): a short countdown before each round. */
const countdownMs = new URL(location.href).searchParams.has('quick') ? QUICK_COUNTDOWN_MS : COUNTDOWN_MS

/**
 * The room from `?room=` (the browser tests name their own), or a new unguessable one written
 * into the address bar, with a readable label in `&name=`: the invite link is this page's URL.
 */
function roomFromUrl(): { room: string; label: string } {
  const url = new URL(location.href)
  const requested = url.searchParams.get('room')
  if (requested && ROOM_NAME.test(requested)) return { room: requested, label: roomLabel(url.searchParams.get('name'), requested) }
  const room = newRoomId()
  const label = newRoomName()
  url.searchParams.set('room', room)
  url.searchParams.set('name', label)
  history.replaceState(null, '', url)
  return { room, label }
}

const { room, label } = roomFromUrl()
const state = initialState(room, label)
const input = createInput()
const ready = new ReadyGate()
let shared: Shared | undefined
let reconnector: Reconnector | undefined
const currentSession = (): Session | undefined => shared?.session

const motion = new Motion(state, input, () => shared?.session.now() ?? 0)
const ui = mountUi(state, {
  ready: () => ready.press(),
  saveSettings: (settings) => (shared ? saveSettings(shared, settings) : Promise.reject(new Error('not connected'))),
})
input.onReadyKey(() => ready.press())
wirePeerStatsButton(currentSession, (line) => ui.log(line))
const panel = new NetPanel(document.getElementById('net-chart') as HTMLCanvasElement, document.getElementById('net-stats')!, state)
startArena(document.getElementById('arena') as HTMLCanvasElement, state, () => {
  const session = currentSession()
  return session && !session.isClosed ? session.now() : undefined
})
installHook(state, currentSession, () => reconnector?.connection)
setInterval(() => ui.update(), 100)
ui.update()

const leaving = new AbortController()
// Closing the session tells the peer at once (a `bye`), rather than leaving it to the heartbeat.
addEventListener('pagehide', () => {
  leaving.abort(new Error('page closed'))
  void shared?.session.close()
})

async function play(match: Match): Promise<void> {
  const { session, connection } = match
  resetForNewSession(state)
  state.sessions++
  state.connection = 'connected'
  state.me = session.role === 'leader' ? 'blue' : 'amber'
  const opened = openShared(session, state)
  serveMatchStats(session, state)
  shared = opened
  opened.settings.on('change', (_value, origin) => ui.settingsChanged(origin))
  motion.start(new PositionStream(opened, state))
  panel.attach(session)
  ui.log(`connected as ${session.role} (${state.me}); RTT ${session.clock.rttMs.toFixed(2)} ms`)
  const reconnecting = new Reconnector(session, state.room, connection, {
    dropped(reason) {
      state.connection = 'reconnecting'
      ui.log(`connection dropped (${describeError(reason)}); reconnecting…`)
    },
    resumed() {
      state.connection = 'connected'
      state.resumes++
      ui.log(`reconnected: the session resumed (RTT ${session.clock.rttMs.toFixed(2)} ms)`)
    },
    log: (line) => ui.log(line),
  })
  reconnector = reconnecting
  const receiving = receiveMessages(opened, state, (message) => {
    if (message.t === 'ready') state.peerReadyRound = message.round
  })
  const game = playRounds({ shared: opened, state, motion, ready, countdownMs, log: (line) => ui.log(line) }).catch((err: unknown) => {
    // A bug in the game must not leave a half-played round: end the session, both sides recover.
    if (!session.isClosed) {
      ui.log(`game stopped: ${describeError(err)}`)
      void session.close()
    }
  })
  const reason = await session.closed
  state.lastLoss = { code: reason.code, message: describeLoss(reason), at: performance.timeOrigin + performance.now() }
  ui.log(`connection lost: ${describeLoss(reason)} [${reason.code}]`)
  motion.stop()
  panel.detach()
  await Promise.all([game, receiving, reconnecting.close()])
  state.phase = 'idle'
}

async function lobbyLoop(): Promise<void> {
  ui.log(`joined room ${state.room}`)
  for (;;) {
    let match: Match
    try {
      match = await findOpponent(
        state.room,
        (phase, note) => {
          state.connection = phase
          if (note) ui.log(note)
        },
        leaving.signal,
      )
    } catch {
      return // the page is going away
    }
    await play(match)
  }
}

void lobbyLoop()
