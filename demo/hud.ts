// The arena's text layers: the round timer, the countdown, the overlay between rounds, labels.
import { ARENA } from './layout.js'
import type { DemoState } from './state.js'

type Ctx = CanvasRenderingContext2D
const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif'

export function drawTimer(ctx: Ctx, state: DemoState, now: number): void {
  const total = state.endAt - state.goAt
  const left = Math.max(0, Math.min(total, state.endAt - Math.max(now, state.goAt)))
  ctx.fillStyle = 'rgba(255,255,255,0.08)'
  ctx.fillRect(0, 0, ARENA.width, 6)
  ctx.fillStyle = left / total < 0.2 ? '#ff6b6b' : '#7ee0a1'
  ctx.fillRect(0, 0, (ARENA.width * left) / total, 6)
  label(ctx, `${Math.ceil(left / 1000)} s`, ARENA.width - 34, 26, 'rgba(255,255,255,0.75)', 14)
}

export function drawCountdown(ctx: Ctx, state: DemoState, now: number): void {
  const left = state.goAt - now
  if (left <= 0) return
  const n = Math.ceil(left / 1000)
  const phase = 1 - (left % 1000) / 1000
  ctx.globalAlpha = 1 - phase * 0.6
  label(ctx, String(n), ARENA.width / 2, ARENA.height / 2 + 30, '#ffffff', 110 + phase * 40)
  ctx.globalAlpha = 1
}

export function overlayText(state: DemoState): string {
  switch (state.connection) {
    case 'room-full':
      return 'This room is full — waiting for a spot'
    case 'waiting':
      return 'Waiting for a second player…'
    case 'connecting':
    case 'opening':
      return 'Connecting…'
    case 'reconnecting':
      return 'Reconnecting…'
    case 'connected':
      if (state.phase === 'starting') return 'Starting…'
      return state.readyMe ? 'Waiting for the other player…' : 'Press Ready'
  }
}

export function drawOverlay(ctx: Ctx, text: string): void {
  ctx.fillStyle = 'rgba(8,11,20,0.45)'
  ctx.fillRect(0, 0, ARENA.width, ARENA.height)
  // A pill in the upper third, so the players below stay visible.
  ctx.font = `600 26px ${FONT}`
  const width = ctx.measureText(text).width + 64
  const y = ARENA.height * 0.26
  ctx.beginPath()
  ctx.roundRect(ARENA.width / 2 - width / 2, y - 32, width, 64, 32)
  ctx.fillStyle = 'rgba(20,27,45,0.92)'
  ctx.fill()
  ctx.strokeStyle = 'rgba(120,150,255,0.35)'
  ctx.lineWidth = 1.5
  ctx.stroke()
  label(ctx, text, ARENA.width / 2, y + 9, 'rgba(255,255,255,0.95)', 26)
}

export function label(ctx: Ctx, text: string, x: number, y: number, color: string, size: number): void {
  ctx.font = `600 ${size}px ${FONT}`
  ctx.textAlign = 'center'
  ctx.fillStyle = color
  ctx.fillText(text, x, y)
}
